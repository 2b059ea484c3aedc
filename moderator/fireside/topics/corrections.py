"""The moderator's corrections within a session: questions filed under a topic by hand.

They steer later suggestions two ways: as features of the learned model (per topic, its share
of the question's nearest corrected questions and the closest one; ``features.py``), and as an
override in ``suggest.py``: a rewording of a filed question follows it.
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np

from fireside.topics.semantic import DIMENSIONS, Vector

KNN = 5
"""How many of the moderator's corrections, the closest in meaning, vote on a question."""
SAME_QUESTION = 0.9
"""Cosine (mean word vectors) at which a question is a rewording of one the moderator filed,
and follows it. Of the 62,128 pairs of distinct questions in the development talks, one
reaches 0.9 (with the same label) and two 0.8, while rewordings that keep the key words
("When will the potholes be fixed?" / "...be repaired?") score above 0.9."""


class Corrections:
    """Questions the moderator filed under a topic (or "other"), as vectors."""

    def __init__(self) -> None:
        self._examples: list[Vector] = []
        """The corrected questions' vectors..."""
        self._topics: list[str] = []
        """...the topic of each..."""
        self._centered: list[Vector] = []
        """...and the same compared without what every text shares."""
        self._matrix: Vector | None = None
        self._centered_matrix: Vector = np.zeros((0, DIMENSIONS), np.float32)

    def __bool__(self) -> bool:
        return bool(self._examples)

    def add(self, vector: Vector, centered: Vector, topic: str) -> None:
        """Remember one filed question: its vector, its centred vector and its topic."""
        self._examples.append(vector)
        self._centered.append(centered)
        self._topics.append(topic)
        self._matrix = None

    def _stacked(self) -> Vector:
        if self._matrix is None:
            self._matrix = np.stack(self._examples)
            self._centered_matrix = np.stack(self._centered)
        return self._matrix

    def votes(self, vector: Vector, centered: Vector) -> tuple[dict[str, float], dict[str, float]]:
        """Each topic's share of the question's nearest corrected examples, and the cosine of
        its closest example (compared without what all texts share, so that "potholes"
        outweighs "when will")."""
        if not self._examples:
            return {}, {}
        cosines = self._stacked() @ vector
        nearest = np.argsort(-cosines)[:KNN]
        votes: dict[str, float] = defaultdict(float)
        for row in nearest.tolist():
            votes[self._topics[row]] += max(float(cosines[row]), 0.0)
        total = sum(votes.values()) or 1.0
        closest: dict[str, float] = {}
        cosines_centered = (self._centered_matrix @ centered).tolist()
        for topic, cosine in zip(self._topics, cosines_centered, strict=True):
            closest[topic] = max(closest.get(topic, 0.0), cosine)
        return {topic: vote / total for topic, vote in votes.items()}, closest

    def same_question(self, vector: Vector) -> str | None:
        """The topic of a filed question whose meaning is nearly that of ``vector`` (cosine at
        least ``SAME_QUESTION``), if there is one."""
        if not self._examples:
            return None
        cosines = self._stacked() @ vector
        row = int(np.argmax(cosines))
        return self._topics[row] if cosines[row] >= SAME_QUESTION else None
