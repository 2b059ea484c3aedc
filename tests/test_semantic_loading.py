"""The embedding table is read by row from its file, not copied, and gives the same vectors."""

from __future__ import annotations

import json
import struct
from pathlib import Path

import numpy as np
import pytest
from safetensors.numpy import load_file

from fireside.topics.semantic import (
    TENSOR,
    TOKENIZER,
    WEIGHTS,
    Embedder,
    ModelMissing,
    package_dir,
    shared_embedder,
)


def test_table_read_by_row_gives_the_vectors_of_a_full_float32_copy() -> None:
    """A question's meaning is the same, number for number, as when the table was copied whole."""
    embedder = shared_embedder()
    full = load_file(str(package_dir() / WEIGHTS))[TENSOR].astype(np.float32)
    assert not isinstance(embedder._table, np.ndarray)  # read by row, never held whole
    common = full.mean(axis=0)
    assert np.array_equal(embedder._common, common)
    for text in ("Can I bake sourdough without a dutch oven?", "When is the bus back?"):
        ids = embedder._tokenizer.encode(text, add_special_tokens=False).ids
        mean = full[ids].mean(axis=0)
        assert np.array_equal(embedder.embed(text), mean / np.linalg.norm(mean))
        centred = mean - common
        assert np.array_equal(embedder.centered(text), centred / np.linalg.norm(centred))


def test_a_weights_file_without_the_table_gives_a_clear_error(tmp_path: Path) -> None:
    """A damaged weights file is reported as such, naming the file, rather than crashing later."""
    header = json.dumps({"other": {"dtype": "F16", "shape": [2, 2], "data_offsets": [0, 8]}})
    weights = tmp_path / "weights.safetensors"
    weights.write_bytes(struct.pack("<Q", len(header)) + header.encode() + bytes(8))
    with pytest.raises(ModelMissing, match="weights.safetensors has no 2-d float tensor"):
        Embedder(weights, package_dir() / TOKENIZER)
