"""Meaning, not only words: sentence vectors from static word embeddings shipped in a wheel.

The weights (32,000 tokens x 256 dimensions, 16 MB) and the tokenizer come inside the
``wordllama`` package, so nothing is downloaded at run time. We read both files by explicit
path, without importing ``wordllama`` itself: its loader looks for the packaged tokenizer in
the wrong folder and falls back to a download, and its import configures the root logger.
A text's vector is the mean of its tokens' vectors, scaled to length 1, so the dot product of
two vectors is their cosine.

The table is not read into memory: it stays float16 in its file, and the rows a text looks
up are read from it (``os.pread``, served from the system's file cache) and converted to the
same float32 values a full copy would hold. A float32 copy cost the hub about 60 MB of RSS,
and a memory map still about 15 MB, since the topic suggester's examples touch most of its
pages (issue 17).
"""

from __future__ import annotations

import importlib.util
import json
import os
import struct
import threading
import weakref
from functools import lru_cache
from pathlib import Path

import numpy as np
import numpy.typing as npt

Vector = npt.NDArray[np.float32]
DIMENSIONS = 256
WEIGHTS = Path("weights") / "l2_supercat_256.safetensors"
TOKENIZER = Path("tokenizers") / "l2_supercat_tokenizer_config.json"
TENSOR = "embedding.weight"
CACHED_TEXTS = 4096
"""Texts whose two vectors the cache keeps: the recent questions and the agenda's examples,
which are asked for again and again. Each entry holds about 2.3 KB; at 16,384 texts the
caches grew the hub by about 40 MB over a long session (issue 17)."""


class ModelMissing(RuntimeError):
    """The embedding files are not where the installed package should have put them."""


def package_dir() -> Path:
    """The installed ``wordllama`` folder, found without importing it."""
    spec = importlib.util.find_spec("wordllama")
    if spec is None or not spec.submodule_search_locations:
        raise ModelMissing(
            "the 'wordllama' package is not installed; topic hints need its embedding files "
            "(reinstall fireside: pip install -e .)"
        )
    return Path(next(iter(spec.submodule_search_locations)))


class Embedder:
    """Turns texts into unit vectors; loaded once per process, then a few µs per text."""

    def __init__(self, weights: Path, tokenizer: Path) -> None:
        for path in (weights, tokenizer):
            if not path.is_file():
                raise ModelMissing(
                    f"embedding file not found: {path} (reinstall the 'wordllama' package)"
                )
        # Imported here: only needed once the files are known to exist.
        from tokenizers import Tokenizer

        self._table = TensorRows(weights, TENSOR)
        self._tokenizer = Tokenizer.from_file(str(tokenizer))
        self._lock = threading.Lock()
        self._common: Vector = column_mean(weights, TENSOR)
        # One cache for both vectors of a text: topic and duplicate work ask for both of the
        # same question, and each miss costs a tokenization and a read of its rows.
        self._vectors = lru_cache(maxsize=CACHED_TEXTS)(self._both)

    def embed(self, text: str) -> Vector:
        """The unit vector of a text (cached: the hub asks again for edited and merged texts)."""
        return self._vectors(text)[0]

    def centered(self, text: str) -> Vector:
        """The text's vector minus what every token shares, to unit length: for comparing two
        questions, where that shared part made every pair look alike (cosines of 0.5-0.9)."""
        return self._vectors(text)[1]

    def _mean(self, text: str) -> Vector | None:
        with self._lock:  # the Rust tokenizer is shared between the hub's threads
            ids = self._tokenizer.encode(text, add_special_tokens=False).ids
        if not ids:
            return None
        mean: Vector = self._table[ids].astype(np.float32).mean(axis=0)
        return mean

    def _both(self, text: str) -> tuple[Vector, Vector]:
        vector = self._mean(text)
        if vector is None:
            zero = np.zeros(DIMENSIONS, np.float32)
            return zero, zero
        return _unit(vector), _unit(vector - self._common)

    def matrix(self, texts: list[str]) -> Vector:
        """The vectors of ``texts`` as rows (an empty 0 x 256 matrix for no texts)."""
        if not texts:
            return np.zeros((0, DIMENSIONS), np.float32)
        return np.stack([self.embed(text) for text in texts])


def _unit(vector: Vector) -> Vector:
    norm = float(np.linalg.norm(vector))
    return vector / norm if norm else vector


_DTYPES = {"F16": np.float16, "F32": np.float32}
"""Safetensors dtype names we can map, to numpy's (the wordllama table is F16)."""


def _locate(path: Path, name: str) -> tuple[np.dtype[np.generic], tuple[int, int], int]:
    """Where tensor ``name`` lies in a safetensors file: its dtype, 2-d shape, byte offset.

    The format: an 8-byte little-endian header length, a JSON header giving each tensor's
    dtype, shape and ``data_offsets`` (relative to the end of the header), then raw data.
    """
    with path.open("rb") as file:
        (length,) = struct.unpack("<Q", file.read(8))
        header = json.loads(file.read(length))
    entry = header.get(name)
    if entry is None or entry.get("dtype") not in _DTYPES or len(entry.get("shape", ())) != 2:
        raise ModelMissing(f"{path} has no 2-d float tensor {name!r} (reinstall 'wordllama')")
    rows, columns = entry["shape"]
    begin, end = entry["data_offsets"]
    dtype = np.dtype(_DTYPES[entry["dtype"]]).newbyteorder("<")
    if end - begin != rows * columns * dtype.itemsize:
        raise ModelMissing(f"{path}: tensor {name!r} has the wrong size (reinstall 'wordllama')")
    return dtype, (rows, columns), 8 + length + begin


class TensorRows:
    """The rows of a 2-d tensor in a safetensors file, read when asked for, never all at once."""

    def __init__(self, path: Path, name: str) -> None:
        self.dtype, (self.rows, self.columns), self._offset = _locate(path, name)
        self._row_bytes = self.columns * self.dtype.itemsize
        self._map: npt.NDArray[np.generic] | None = None
        self._fd = -1
        if hasattr(os, "pread"):
            self._fd = os.open(path, os.O_RDONLY)
            weakref.finalize(self, os.close, self._fd)
        else:  # pragma: no cover - Windows has no pread: map the file instead
            shape = (self.rows, self.columns)
            self._map = np.memmap(path, self.dtype, mode="r", offset=self._offset, shape=shape)

    def __getitem__(self, ids: list[int]) -> npt.NDArray[np.generic]:
        """Rows ``ids`` (in that order), in the file's dtype."""
        if self._map is not None:  # pragma: no cover - Windows
            return self._map[ids]
        if any(not 0 <= i < self.rows for i in ids):
            raise IndexError(f"token id out of range 0-{self.rows - 1}")
        size, offset = self._row_bytes, self._offset
        data = b"".join(os.pread(self._fd, size, offset + i * size) for i in ids)
        return np.frombuffer(data, self.dtype).reshape(len(ids), self.columns)


def column_mean(path: Path, name: str, chunk: int = 2048) -> Vector:
    """The mean row of a tensor, in float32, read a chunk at a time instead of mapped whole.

    Summed row after row in float32, the order numpy uses for ``mean(axis=0)`` of the full
    float32 copy, so the result is the same to the bit; reading (not mapping) keeps the
    pages of rarely used tokens out of the process.
    """
    dtype, (rows, columns), offset = _locate(path, name)
    total = np.zeros(columns, np.float32)
    with path.open("rb") as file:
        file.seek(offset)
        for start in range(0, rows, chunk):
            count = min(chunk, rows - start)
            block = np.fromfile(file, dtype=dtype, count=count * columns).reshape(count, columns)
            total = np.add.reduce(
                np.concatenate((total[None, :], block.astype(np.float32))), axis=0
            )
    mean: Vector = total / np.float32(rows)
    return mean


_lock = threading.Lock()
_shared: Embedder | None = None


def shared_embedder() -> Embedder:
    """The process's one embedder, from the installed package's files (loaded on first use)."""
    global _shared
    with _lock:
        if _shared is None:
            base = package_dir()
            _shared = Embedder(base / WEIGHTS, base / TOKENIZER)
        return _shared
