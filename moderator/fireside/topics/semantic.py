"""Meaning, not only words: sentence vectors from static word embeddings shipped in a wheel.

The weights (32,000 tokens x 256 dimensions, 16 MB) and the tokenizer come inside the
``wordllama`` package, so nothing is downloaded at run time. We read both files by explicit
path, without importing ``wordllama`` itself: its loader looks for the packaged tokenizer in
the wrong folder and falls back to a download, and its import configures the root logger.
A text's vector is the mean of its tokens' vectors, scaled to length 1, so the dot product of
two vectors is their cosine.
"""

from __future__ import annotations

import importlib.util
import threading
from functools import lru_cache
from pathlib import Path

import numpy as np
import numpy.typing as npt

Vector = npt.NDArray[np.float32]
DIMENSIONS = 256
WEIGHTS = Path("weights") / "l2_supercat_256.safetensors"
TOKENIZER = Path("tokenizers") / "l2_supercat_tokenizer_config.json"
TENSOR = "embedding.weight"


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
        # Imported here: both are only needed once the files are known to exist.
        from safetensors.numpy import load_file
        from tokenizers import Tokenizer

        self._table: Vector = load_file(str(weights))[TENSOR].astype(np.float32)
        self._tokenizer = Tokenizer.from_file(str(tokenizer))
        self._lock = threading.Lock()
        self.embed = lru_cache(maxsize=16384)(self._embed)
        """The unit vector of a text (cached: the hub asks again for edited and merged texts)."""
        self._common: Vector = self._table.mean(axis=0)
        self.centered = lru_cache(maxsize=16384)(self._centered)
        """The text's vector minus what every token shares, to unit length: for comparing two
        questions, where that shared part made every pair look alike (cosines of 0.5-0.9)."""

    def _mean(self, text: str) -> Vector | None:
        with self._lock:  # the Rust tokenizer is shared between the hub's threads
            ids = self._tokenizer.encode(text, add_special_tokens=False).ids
        if not ids:
            return None
        mean: Vector = self._table[ids].mean(axis=0)
        return mean

    def _embed(self, text: str) -> Vector:
        vector = self._mean(text)
        if vector is None:
            return np.zeros(DIMENSIONS, np.float32)
        norm = float(np.linalg.norm(vector))
        return vector / norm if norm else vector

    def _centered(self, text: str) -> Vector:
        vector = self._mean(text)
        if vector is None:
            return np.zeros(DIMENSIONS, np.float32)
        vector = vector - self._common
        norm = float(np.linalg.norm(vector))
        return vector / norm if norm else vector

    def matrix(self, texts: list[str]) -> Vector:
        """The vectors of ``texts`` as rows (an empty 0 x 256 matrix for no texts)."""
        if not texts:
            return np.zeros((0, DIMENSIONS), np.float32)
        return np.stack([self.embed(text) for text in texts])


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
