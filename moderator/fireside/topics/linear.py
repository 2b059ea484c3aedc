"""Linear scorers learned from labelled talks: loading the shipped weights, and fitting them.

Two models use this: topic suggestion (a softmax over a question's candidate topics, each
described by its own feature row) and duplicate hints (a logistic score per pair, which is the
same softmax with a fixed zero row beside it). Features are divided by their spread in the
training set (stored beside the weights), so a weight reads as "per typical amount". They are
not centred: a topic's row and the "other" row use different feature slots, zero in the
other's, and a zero must stay a zero. Fitting is Newton's method on the L2-regularised
log-likelihood: with a few dozen weights the exact Hessian is cheap, and it converges in a
few steps with nothing but numpy.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

Matrix = npt.NDArray[np.float64]


@dataclass(frozen=True)
class LinearModel:
    """Weights over named features, with the scaling they were fitted on."""

    features: tuple[str, ...]
    scale: Matrix
    weights: Matrix
    info: dict[str, Any]
    """How the weights were chosen: the regularisation, the data, the cross-validated figures."""

    def logits(self, rows: Matrix) -> Matrix:
        """One score per row of raw features."""
        result: Matrix = (rows / self.scale) @ self.weights
        return result

    def contributions(self, row: Matrix) -> dict[str, float]:
        """Each feature's share of one row's score, for ``fireside topics --explain``."""
        standard = row / self.scale * self.weights
        return {name: float(value) for name, value in zip(self.features, standard, strict=True)}

    def to_json(self) -> str:
        return json.dumps(
            {
                "features": list(self.features),
                "scale": [round(float(v), 6) for v in self.scale],
                "weights": [round(float(v), 6) for v in self.weights],
                "info": self.info,
            },
            indent=1,
        )


def load_model(path: Path) -> LinearModel:
    """The model stored at ``path`` (shipped inside the package, refitted by a benchmark)."""
    data = json.loads(path.read_text("utf-8"))
    return LinearModel(
        features=tuple(data["features"]),
        scale=np.array(data["scale"], np.float64),
        weights=np.array(data["weights"], np.float64),
        info=data.get("info", {}),
    )


def fit_softmax(
    groups: list[Matrix],
    labels: list[int],
    names: tuple[str, ...],
    l2: float,
    sample_weights: list[float] | None = None,
) -> LinearModel:
    """Weights that make each group's labelled row the most likely under a softmax over its
    rows (an all-zero row is a fixed reference that scores 0). ``sample_weights`` let each
    talk count once, however many questions it has."""
    counts = sample_weights or [1.0] * len(groups)
    stacked = np.vstack(groups)
    scale = np.sqrt((stacked**2).sum(axis=0) / np.maximum((stacked != 0).sum(axis=0), 1))
    scale[scale < 1e-9] = 1.0
    standard = [group / scale for group in groups]
    weights = np.zeros(len(names))
    for _ in range(50):
        gradient = l2 * weights
        hessian = l2 * np.eye(len(names))
        for rows, label, count in zip(standard, labels, counts, strict=True):
            logits = rows @ weights
            p = np.exp(logits - logits.max())
            p /= p.sum()
            gradient += count * (rows.T @ p - rows[label])
            weighted = rows.T * p
            spread = weighted @ rows - np.outer(weighted.sum(axis=1), weighted.sum(axis=1))
            hessian += count * spread
        step = np.linalg.solve(hessian, gradient)
        weights -= step
        if float(np.abs(step).max()) < 1e-6:
            break
    return LinearModel(names, scale, weights, {"l2": l2})
