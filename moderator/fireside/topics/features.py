"""The learned model's input: one row of features per (question, topic), and one for "other".

Every feature means the same on any agenda (no per-segment terms), so weights fitted on some
talks (``topic_model.json``, ``benchmarks/fit_topics.py``) apply to another.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from fireside.agenda import Agenda, Segment
from fireside.topics.corrections import Corrections
from fireside.topics.lexicon import OTHER_TOPIC, Evidence, Lexicon, combine
from fireside.topics.semantic import DIMENSIONS, Embedder, Vector
from fireside.topics.text import generic_weight, terms
from fireside.topics.vocab import OTHER_EXAMPLES

SEGMENT_FEATURES = (
    "words",
    "curated",
    "typo",
    "grounded",
    "title",
    "prompt",
    "keyword",
    "whole",
    "tokens_mean",
    "tokens_max",
    "example",
    "example_max",
    "has_example",
)
"""What a topic's row says about a question: its words' evidence (own words; the built-in
vocabulary apart, since only the reference talk has one; misspelt words that were read as one
of the topic's words apart again), the cosine of the question to the
title, the prompt, the closest keyword and the whole description (each minus its mean over
the topics), how close the question's words come to the segment's words (IDF-weighted mean
and best), and the moderator's corrections for that topic: their share of the question's
nearest corrections, and the closest one alone (so that one correction can steer a nearly
identical later question)."""
OTHER_FEATURES = (
    "other_bias",
    "other_words",
    "other_centered",
    "best_words",
    "best_whole",
    "mean_whole",
    "best_tokens",
    "length",
    "other_example",
    "other_example_max",
    "other_has_example",
)
"""What the "other" row says: its own words (slides, recording) and example questions, how
strong the best topic's evidence is, how much meaning the question has at all, whether it
has next to no content words (capped: a length feature pushed every short question to
"other", "How do you test for fairnes in hiring?" included), and the moderator's "other"
corrections (their vote and the closest one)."""
FEATURES = SEGMENT_FEATURES + OTHER_FEATURES
COLUMN = {name: i for i, name in enumerate(FEATURES)}
LENGTH_CAP = 6.0
"""The "other" row's length feature counts content words up to this many: long questions are
rarely off-topic, but beyond a few words length says nothing more (leave-one-talk-out: no
length 0.77 / 0.71 with / without keywords, capped at 6 0.81 / 0.77, uncapped about the same
as capped; the cap keeps a very long question from being forced onto a topic)."""
Rows = npt.NDArray[np.float64]


@dataclass(frozen=True)
class _Question:
    """What the rows need of one question, computed once."""

    vector: Vector
    centered: Vector
    weights: npt.NDArray[np.float64]
    """Each content word's weight (vague words count less)."""
    word_vectors: Vector | None
    votes: dict[str, float]
    closest: dict[str, float]


class TopicFeatures:
    """Builds the feature rows of questions for one agenda: its segments' meaning, once."""

    def __init__(self, agenda: Agenda, segments: list[Segment], embedder: Embedder) -> None:
        self._embedder = embedder
        embed = embedder.matrix
        self._titles: Vector = embed([s.title for s in segments])
        self._prompts: Vector = embed([s.prompt or s.title for s in segments])
        self._keywords = [embed(list(s.keywords)) for s in segments]
        self._whole: Vector = embed([segment_text(s) for s in segments])
        self._words = {s.id: _segment_words(s, embedder) for s in segments}
        # The agenda's open Q&A slots describe questions that belong to no segment.
        open_slots = [segment_text(s) for s in agenda.segments if s not in segments]
        # Compared without what every text shares: the plain vectors are dominated by words
        # such as "how do you", which made "How do you test for fairness in hiring?" look
        # like the off-topic "Are you hiring?".
        others = [*OTHER_EXAMPLES, *open_slots]
        self._other_centered: Vector = np.stack([embedder.centered(t) for t in others])
        self._whole_centered: Vector = (
            np.stack([embedder.centered(segment_text(s)) for s in segments])
            if segments
            else np.zeros((0, DIMENSIONS), np.float32)
        )

    def rows(
        self, text: str, lexicon: Lexicon, corrections: Corrections
    ) -> tuple[Rows, dict[str, list[Evidence]]]:
        """The feature rows of ``text``: one per topic, in ``lexicon.topics`` order, then
        "other"; and the words that matched each topic."""
        _, other_words, matched, typos = lexicon.evidence(text)
        meant = lexicon.meant(text)
        vector, centered = self._embedder.embed(meant), self._embedder.centered(meant)
        votes, closest = corrections.votes(vector, centered)
        words = list(terms(meant))
        question = _Question(
            vector=vector,
            centered=centered,
            weights=np.array([generic_weight(t.key) for t in words]),
            word_vectors=(
                np.stack([self._embedder.centered(t.surface) for t in words]) if words else None
            ),
            votes=votes,
            closest=closest,
        )
        n = len(lexicon.topics)
        rows = np.zeros((n + 1, len(FEATURES)))
        self._topic_rows(rows, question, lexicon, matched, typos)
        self._other_row(rows, question, other_words)
        # Relative to the other topics: the softmax only compares rows, and the overall level
        # of meaning is the "other" row's business.
        for name in ("title", "prompt", "whole", "tokens_mean", "tokens_max"):
            rows[:n, COLUMN[name]] -= rows[:n, COLUMN[name]].mean()
        if len(self._keywords) and all(len(k) for k in self._keywords):
            rows[:n, COLUMN["keyword"]] -= rows[:n, COLUMN["keyword"]].mean()
        return rows, matched

    def _topic_rows(
        self,
        rows: Rows,
        question: _Question,
        lexicon: Lexicon,
        matched: dict[str, list[Evidence]],
        typos: frozenset[str],
    ) -> None:
        """Fill the topics' rows (not yet relative to each other)."""
        column = COLUMN
        for i, topic in enumerate(lexicon.topics):
            curated = lexicon.curated.get(topic, frozenset())
            found = matched.get(topic, [])
            plain = [e for e in found if e[1] not in typos]
            row = rows[i]
            row[column["words"]] = math.log1p(combine([e for e in plain if e[1] not in curated]))
            row[column["curated"]] = math.log1p(combine([e for e in plain if e[1] in curated]))
            row[column["typo"]] = math.log1p(combine([e for e in found if e[1] in typos]))
            row[column["grounded"]] = float(bool(found))
            if len(self._keywords[i]):
                row[column["keyword"]] = float((self._keywords[i] @ question.vector).max())
            if question.word_vectors is not None:
                best = (self._words[topic] @ question.word_vectors.T).max(axis=0)
                weights = question.weights
                mean = (best * weights).sum() / max(weights.sum(), 1e-9)
                row[column["tokens_mean"]] = float(mean)
                row[column["tokens_max"]] = float(best.max())
            if question.votes:
                row[column["example"]] = question.votes.get(topic, 0.0)
                row[column["example_max"]] = question.closest.get(topic, 0.0)
                row[column["has_example"]] = 1.0
        n = len(lexicon.topics)
        rows[:n, column["title"]] = self._titles @ question.vector
        rows[:n, column["prompt"]] = self._prompts @ question.vector
        rows[:n, column["whole"]] = self._whole @ question.vector

    def _other_row(self, rows: Rows, question: _Question, other_words: float) -> None:
        """Fill the "other" row, from the question and the topics' rows."""
        column = COLUMN
        n = len(rows) - 1
        whole = rows[:n, column["whole"]].copy()
        last = rows[n]
        last[column["other_bias"]] = 1.0
        last[column["other_words"]] = math.log1p(other_words)
        centered = question.centered
        last[column["other_centered"]] = float((self._other_centered @ centered).max()) - (
            float((self._whole_centered @ centered).max()) if n else 0.0
        )
        if n:
            evidence = rows[:n, column["words"] : column["typo"] + 1].sum(axis=1)
            last[column["best_words"]] = float(evidence.max())
            last[column["best_whole"]] = float(whole.max() - whole.mean())
            last[column["mean_whole"]] = float(whole.mean())
            last[column["best_tokens"]] = float(rows[:n, column["tokens_max"]].max())
        last[column["length"]] = math.log1p(min(float(question.weights.sum()), LENGTH_CAP))
        if question.votes:
            last[column["other_example"]] = question.votes.get(OTHER_TOPIC, 0.0)
            last[column["other_example_max"]] = question.closest.get(OTHER_TOPIC, 0.0)
            last[column["other_has_example"]] = 1.0


def _segment_words(segment: Segment, embedder: Embedder) -> Vector:
    """The vectors of a segment's title, prompt and keyword words, one row each."""
    found = terms(f"{segment.title} {segment.prompt} {' '.join(segment.keywords)}")
    words = list(dict.fromkeys(t.surface for t in found)) or [segment.title]
    return np.stack([embedder.centered(word) for word in words])


def segment_text(segment: Segment) -> str:
    """What a segment is about, as one text for the embedding."""
    return f"{segment.title}. {segment.prompt} {', '.join(segment.keywords)}"
