"""Topic suggestion: which agenda segment a question belongs to, and the words that say so.

The parts: the words' evidence per segment (``lexicon.py``), the learned model's feature rows
(``features.py``: words, meaning, the moderator's corrections) and the corrections memory
(``corrections.py``). Here they come together: a softmax with weights learned across talks
(``topic_model.json``, refitted by ``benchmarks/fit_topics.py``) picks the topic, unless a
rewording of a corrected question or unambiguous words decide first. The segment running when
the question arrived adds a bonus (chosen with the weights, ``LIVE_BONUS``): enough to tip a
close call, not enough to beat a clear match or to make a topic out of nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from fireside.agenda import Agenda, Segment
from fireside.topics.corrections import Corrections
from fireside.topics.features import Rows, TopicFeatures
from fireside.topics.lexicon import OTHER_TOPIC, Evidence, Lexicon, WordEvidence, explain_words
from fireside.topics.linear import LinearModel, load_model
from fireside.topics.semantic import Embedder, shared_embedder

MODEL_FILE = Path(__file__).with_name("topic_model.json")
LEXICAL_MIN = 1.5
"""Word evidence a topic needs before its words alone decide: one title word (2, less the
share of other segments that use it), not one stray prompt word (the lexical method's own
floor before issue 12)."""
LEXICAL_MARGIN = 0.5
"""...and how far it must lead the runner-up. Chosen by leave-one-talk-out in
``benchmarks/fit_topics.py`` (0 to 4, mean over talks with and without keywords; round six,
eight talks, words deciding on curated agendas only: the model alone 0.766, 0 and 0.5 best at
0.794, 1.0 0.793, 2.0 0.785; see docs/topics.md)."""


@dataclass(frozen=True)
class Suggestion:
    """A suggested topic for one question, with the words that led to it."""

    topic: str
    """A segment id of the agenda, or ``"other"``."""
    score: float
    """The model's probability for that topic, between 0 and 1 (a softmax over the topics and
    "other"; not checked for calibration)."""
    words: tuple[str, ...]
    """The matching words as the person wrote them, strongest first: the moderator's "why"."""


def candidate_segments(agenda: Agenda) -> list[Segment]:
    """Segments that are topics: discussions, and open Q&A segments only if given keywords."""
    return [s for s in agenda.segments if s.kind != "qa" or s.keywords]


class TopicSuggester:
    """Suggests an agenda topic for each question; built once per agenda, then cheap per call."""

    def __init__(
        self, agenda: Agenda, embedder: Embedder | None = None, model: LinearModel | None = None
    ) -> None:
        segments = candidate_segments(agenda)
        self.lexicon = Lexicon(segments)
        """The words of each topic and of "other"."""
        self.topics = self.lexicon.topics
        """The candidate topic ids, in agenda order."""
        self.model = model or _shipped_model()
        self.live_bonus = float(self.model.info.get("live_bonus", 0.0))
        """Added to the running segment's score when its words give it any evidence."""
        self._embedder = embedder or shared_embedder()
        self._features = TopicFeatures(agenda, segments, self._embedder)
        self._corrections = Corrections()

    def learn(self, text: str, topic: str) -> None:
        """Use a question the moderator filed under ``topic`` as an example of it from now on:
        later questions get, as features per topic, the share of their nearest examples filed
        under it (a vote of the KNN closest, weighted by cosine) and their closest one."""
        if topic in self.topics or topic == OTHER_TOPIC:
            self._corrections.add(
                self._embedder.embed(text),
                self._embedder.centered(self.lexicon.meant(text)),
                topic,
            )

    def evidence(self, text: str) -> WordEvidence:
        """The words' evidence per topic and for "other" (``Lexicon.evidence``)."""
        return self.lexicon.evidence(text)

    def rows(self, text: str) -> tuple[Rows, dict[str, list[Evidence]]]:
        """The feature rows of ``text``: one per topic, in ``topics`` order, then "other"."""
        return self._features.rows(text, self.lexicon, self._corrections)

    def scores(
        self, text: str, live_segment: str | None = None
    ) -> tuple[dict[str, float], float, dict[str, list[Evidence]]]:
        """The model's score (log-odds up to a constant) per topic and for "other", with the
        words behind each; ``suggest`` takes the best."""
        rows, matched = self.rows(text)
        logits = self.model.logits(rows)
        totals = dict(zip(self.topics, logits[:-1].tolist(), strict=True))
        if live_segment in totals and matched.get(live_segment):
            totals[live_segment] += self.live_bonus
        return totals, float(logits[-1]), matched

    def suggest(self, text: str, live_segment: str | None = None) -> Suggestion:
        """The best topic for ``text``; ``live_segment`` (running at arrival) tips close calls."""
        return self.decide(text, live_segment)[0]

    def decide(self, text: str, live_segment: str | None = None) -> tuple[Suggestion, str]:
        """The suggestion and which part decided it: ``"correction"`` (a rewording of a
        question the moderator filed), ``"words"`` (unambiguous word evidence), ``"no words"``
        (no topic word matched, with a curated vocabulary) or ``"model"``."""
        totals, other, matched = self.scores(text, live_segment)
        # On an exact tie, the earlier segment of the agenda (max keeps the first).
        best = max(self.topics, key=lambda t: totals[t], default=None)
        if best is None or other >= totals[best]:
            best = OTHER_TOPIC
        source = "model"
        override = self._corrected(text)
        if override is not None:
            best, source = override, "correction"
        else:
            lexical = self._lexical(text, live_segment)
            if lexical is not None:
                best, source = lexical
        chances = _softmax(totals, other)
        chance = float(chances[[*self.topics, OTHER_TOPIC].index(best)])
        return Suggestion(best, round(chance, 2), explain_words(matched.get(best, []))), source

    def explain(self, text: str, live_segment: str | None = None, top: int = 3) -> dict[str, Any]:
        """Why ``text`` gets its suggestion, for ``fireside topics --explain``: which part
        decided, and for the best-scoring topics (and "other") their probability, the words
        that matched with their weights, and the features that moved the score most."""
        suggestion, source = self.decide(text, live_segment)
        rows, matched = self.rows(text)
        totals, other, _ = self.scores(text, live_segment)
        names = [*self.topics, OTHER_TOPIC]
        logits = np.array([*totals.values(), other])
        chances = _softmax(totals, other)
        ranked = sorted(range(len(names)), key=lambda i: -logits[i])[:top]
        chosen = names.index(suggestion.topic)
        if chosen not in ranked:
            ranked = [chosen, *ranked[: top - 1]]
        candidates = []
        for i in ranked:
            contributions = self.model.contributions(rows[i])
            strongest = sorted(contributions.items(), key=lambda kv: -abs(kv[1]))
            candidates.append(
                {
                    "topic": names[i],
                    "probability": round(float(chances[i]), 2),
                    "words": [
                        [surface, round(weight, 2)]
                        for weight, _, surface in sorted(matched.get(names[i], []), reverse=True)
                    ],
                    "features": {k: round(v, 2) for k, v in strongest[:4] if abs(v) >= 0.05},
                }
            )
        return {"topic": suggestion.topic, "decided_by": source, "candidates": candidates}

    def _corrected(self, text: str) -> str | None:
        """The topic the moderator gave a rewording of ``text``, if there is one: a question
        whose meaning is nearly the same (``corrections.SAME_QUESTION``) follows the
        moderator, whatever the model would say."""
        if not self._corrections:
            return None
        return self._corrections.same_question(self._embedder.embed(self.lexicon.meant(text)))

    def _lexical(self, text: str, live_segment: str | None) -> tuple[str, str] | None:
        """The words' own decision where they are unambiguous, with the reason (see
        ``decide``), else None (the model decides).

        Only where every topic has a curated vocabulary (the reference talk, some 700
        entries): there a topic whose words give at least ``LEXICAL_MIN`` of evidence (one
        title word), at least ``LEXICAL_MARGIN`` more than any other topic, and more than the
        "other" words, gets the question, and a question that no word of any topic matches is
        "other" (every on-topic question of the labelled sets names one of them). A few
        keywords a segment are not that lexicon: on such agendas the words changed answers
        only for the worse (leave-one-talk-out over eight talks, 0.787 with the words deciding
        everywhere, 0.794 with curated vocabularies only), so the model judges by meaning.
        """
        if not self.lexicon.all_curated:
            return None
        totals, other, matched, _ = self.lexicon.evidence(text)
        if not totals:
            return None
        if not any(matched.get(t) for t in self.topics):
            return OTHER_TOPIC, "no words"
        ranked = sorted(self.topics, key=lambda t: -totals[t])
        best = ranked[0]
        second = totals[ranked[1]] if len(ranked) > 1 else 0.0
        if live_segment not in (None, best) and matched.get(live_segment or ""):
            # Two topics have words and the talk is on the other one: a close call, which the
            # model's live bonus settles.
            return None
        if totals[best] >= LEXICAL_MIN and totals[best] - second >= LEXICAL_MARGIN:
            return (best, "words") if totals[best] > other else None
        return None


def _softmax(totals: dict[str, float], other: float) -> npt.NDArray[np.float64]:
    """The probabilities of the topics (in order) and "other" from their scores."""
    logits = np.array([*totals.values(), other])
    chances: npt.NDArray[np.float64] = np.exp(logits - logits.max())
    chances /= chances.sum()
    return chances


@lru_cache(maxsize=1)
def _shipped_model() -> LinearModel:
    return load_model(MODEL_FILE)


LIVE_BONUS = float(_shipped_model().info.get("live_bonus", 0.0))
"""The shipped model's bonus for the segment running when a question arrived (in log-odds),
only when the question's words give that segment any evidence. Chosen by
``benchmarks/fit_topics.py``: the largest bonus within one question of the best expected
agreement on leave-one-talk-out scores when arrival is simulated (a question is about the
running segment half the time). It tips a close call and never makes a topic out of nothing."""
