"""Topic suggestion: which agenda segment a question belongs to, and the words that say so.

Each candidate segment gets a weighted profile of terms: its keywords (weight 3), title words
(2) and prompt words (1), plus, when the segment is one of the built-in themes, that theme's
curated vocabulary (tiers 3, 2, 1; see ``vocab.py``). A term that several segments share counts
less (an inverse document frequency over the segments). That word evidence is one feature of
each (question, segment) pair among others: cosines of the question to the segment's title,
prompt, keywords and whole description, how close its words come to the segment's words, and
a vote of the moderator's corrections. "Other" has its own row of features. A softmax with
weights learned across talks (``topic_model.json``, refitted by ``benchmarks/fit_topics.py``)
picks the topic. The segment running when the question arrived adds a bonus (chosen with the
weights, ``LIVE_BONUS``): enough to tip a close call, not enough to beat a clear match or to
make a topic out of nothing.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from fireside.agenda import Agenda, Segment
from fireside.topics.linear import LinearModel, load_model
from fireside.topics.semantic import DIMENSIONS, Embedder, Vector, shared_embedder
from fireside.topics.text import Spelling, Term, bigrams, generic_weight, known_words, terms
from fireside.topics.vocab import OTHER, OTHER_EXAMPLES, THEMES

OTHER_TOPIC = "other"
KEYWORD_WEIGHT = 3.0
TITLE_WEIGHT = 2.0
PROMPT_WEIGHT = 1.0
EXPLAIN_MIN = 0.5
"""Words that added less than this are not shown as the reason for a topic."""
DECAY = 0.6
"""Each further matching word counts this much of the one before it (sorted strongest first)."""
ATTACH_MIN = 3.0
"""How much of a built-in theme a segment's own words must match (one decisive word) to get
that theme's vocabulary when its id differs..."""
ATTACH_SHARE = 0.4
"""...and how much of the segment's own weight those matching words must carry."""


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


Evidence = tuple[float, str, str]
"""One matching term: its weight for the topic, its key and the words as written."""
Features = dict[str, str]
"""A question's unigram and bigram keys, each with the words as written."""


def features(found: tuple[Term, ...]) -> Features:
    """Keys of single terms and adjacent pairs, mapped to the words as written."""
    result: Features = {}
    for term in found:
        result.setdefault(term.key, term.surface)
    for key, surface in bigrams(found):
        result.setdefault(key, surface)
    return result


def _entry_keys(entry: str) -> list[str]:
    """The profile keys of one vocabulary entry: one term, or the adjacent pairs of a phrase."""
    found = terms(" ".join(entry.split()))
    if len(found) == 1:
        return [found[0].key]
    return [key for key, _ in bigrams(found)]


def _pair_weight(key: str) -> float:
    return max(generic_weight(part) for part in key.split(" "))


def _add(profile: dict[str, float], keys: Iterable[str], weight: float) -> None:
    for key in keys:
        value = weight * _pair_weight(key)
        if value > profile.get(key, 0.0):
            profile[key] = value


def _vocabulary(tiers: dict[int, str]) -> dict[str, float]:
    profile: dict[str, float] = {}
    for tier, text in tiers.items():
        for entry in text.split(","):
            if entry.strip():
                _add(profile, _entry_keys(entry), float(tier))
    return profile


_THEME_PROFILES = {name: _vocabulary(tiers) for name, tiers in THEMES.items()}
_OTHER_PROFILE = _vocabulary(OTHER)


def segment_profile(segment: Segment) -> dict[str, float]:
    """The terms a segment's own keywords, title and prompt contribute, with their weights.

    A term keeps its strongest field's weight: adding the fields up would make every word of
    the title a headline ("American"), which hurts more than it helps.
    """
    profile: dict[str, float] = {}
    _add(profile, (t.key for t in terms(segment.prompt)), PROMPT_WEIGHT)
    _add(profile, (t.key for t in terms(segment.title)), TITLE_WEIGHT)
    for keyword in segment.keywords:
        keys = _entry_keys(keyword)
        _add(profile, keys, KEYWORD_WEIGHT)
        if keys and " " in keys[0]:
            # A phrase's own words are hints too ("knife skills" -> "knife").
            _add(profile, (t.key for t in terms(keyword)), KEYWORD_WEIGHT / 2)
    return profile


def candidate_segments(agenda: Agenda) -> list[Segment]:
    """Segments that are topics: discussions, and open Q&A segments only if given keywords."""
    return [s for s in agenda.segments if s.kind != "qa" or s.keywords]


def attach_themes(segments: list[Segment], profiles: dict[str, dict[str, float]]) -> dict[str, str]:
    """Segment id -> built-in theme: by equal id, else by the best overlap with its words."""
    attached = {s.id: s.id for s in segments if s.id in THEMES}
    options = []
    for theme, vocabulary in _THEME_PROFILES.items():
        if theme in attached.values():
            continue
        for segment in segments:
            own = profiles[segment.id]
            if segment.id in attached or not own:
                continue
            overlap = sum(vocabulary.get(key, 0.0) for key in own)
            # The segment must be about the theme, not touch it: a sourdough segment that
            # says "at home" shares a word with self-hosting, and nothing more.
            share = sum(w for key, w in own.items() if key in vocabulary) / sum(own.values())
            if share >= ATTACH_SHARE:
                options.append((overlap, theme, segment.id))
    for overlap, theme, segment_id in sorted(options, reverse=True):
        if overlap < ATTACH_MIN:
            break
        if segment_id not in attached and theme not in attached.values():
            attached[segment_id] = theme
    return attached


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
KNN = 5
"""How many of the moderator's corrections, the closest in meaning, vote on a question."""
MODEL_FILE = Path(__file__).with_name("topic_model.json")
LENGTH_CAP = 6.0
"""The "other" row's length feature counts content words up to this many: long questions are
rarely off-topic, but beyond a few words length says nothing more (leave-one-talk-out: no
length 0.77 / 0.71 with / without keywords, capped at 6 0.81 / 0.77, uncapped about the same
as capped; the cap keeps a very long question from being forced onto a topic)."""


LEXICAL_MIN = 1.5
"""Word evidence a topic needs before its words alone decide: one title word (2, less the
share of other segments that use it), not one stray prompt word (the lexical method's own
floor before issue 12)."""
LEXICAL_MARGIN = 0.5
"""...and how far it must lead the runner-up. Chosen by leave-one-talk-out in
``benchmarks/fit_topics.py`` (0 to 4; the model alone 0.790, 0.5 best at 0.817, 1.0 0.814,
mean over talks with and without keywords; see docs/topics.md)."""
SAME_QUESTION = 0.9
"""Cosine (mean word vectors) at which a question is a rewording of one the moderator filed,
and follows it. Of the 62,128 pairs of distinct questions in the development talks, one
reaches 0.9 (with the same label) and two 0.8, while rewordings that keep the key words
("When will the potholes be fixed?" / "...be repaired?") score above 0.9."""


class TopicSuggester:
    """Suggests an agenda topic for each question; built once per agenda, then cheap per call."""

    def __init__(
        self, agenda: Agenda, embedder: Embedder | None = None, model: LinearModel | None = None
    ) -> None:
        segments = candidate_segments(agenda)
        profiles = {s.id: segment_profile(s) for s in segments}
        self._curated: dict[str, frozenset[str]] = {}
        for segment_id, theme in attach_themes(segments, profiles).items():
            profile = profiles[segment_id]
            # The curated tier wins over the uniform keyword weight: it knows that "chinese"
            # is context in this talk while "censorship" decides.
            profile.update(_THEME_PROFILES[theme])
            self._curated[segment_id] = frozenset(_THEME_PROFILES[theme])
        self.topics = tuple(profiles)
        """The candidate topic ids, in agenda order."""
        self.model = model or _shipped_model()
        self.live_bonus = float(self.model.info.get("live_bonus", 0.0))
        """Added to the running segment's score when its words give it any evidence."""
        df: dict[str, int] = defaultdict(int)
        for profile in profiles.values():
            for key in profile:
                df[key] += 1
        count = len(profiles)
        self._index: dict[str, list[tuple[str, float]]] = defaultdict(list)
        for topic, profile in profiles.items():
            for key, weight in profile.items():
                idf = math.log((1 + count) / df[key]) / math.log(1 + count)
                self._index[key].append((topic, weight * idf))
        self._other = {k: w for k, w in _OTHER_PROFILE.items() if k not in df}
        texts = [f"{s.title} {s.prompt} {' '.join(s.keywords)}" for s in segments]
        texts += [text for tiers in (*THEMES.values(), OTHER) for text in tiers.values()]
        self._spelling = Spelling(known_words(texts))
        self._embedder = embedder or shared_embedder()
        embed = self._embedder.matrix
        self._titles: Vector = embed([s.title for s in segments])
        self._prompts: Vector = embed([s.prompt or s.title for s in segments])
        self._keywords = [embed(list(s.keywords)) for s in segments]
        self._whole: Vector = embed([_segment_text(s) for s in segments])
        self._words = {s.id: _segment_words(s, self._embedder) for s in segments}
        self._examples: list[Vector] = []
        """The moderator's corrections: questions known to belong to a topic (or "other")..."""
        self._example_topics: list[str] = []
        """...and the topic of each."""
        self._example_matrix: Vector | None = None
        self._centered_examples: list[Vector] = []
        """...the same examples compared without what every text shares..."""
        self._centered_matrix: Vector = np.zeros((0, DIMENSIONS), np.float32)
        # The agenda's open Q&A slots describe questions that belong to no segment.
        open_slots = [_segment_text(s) for s in agenda.segments if s not in segments]
        # Compared without what every text shares: the plain vectors are dominated by words
        # such as "how do you", which made "How do you test for fairness in hiring?" look
        # like the off-topic "Are you hiring?".
        others = [*OTHER_EXAMPLES, *open_slots]
        self._other_centered: Vector = np.stack([self._embedder.centered(t) for t in others])
        self._whole_centered: Vector = (
            np.stack([self._embedder.centered(_segment_text(s)) for s in segments])
            if segments
            else np.zeros((0, DIMENSIONS), np.float32)
        )

    def learn(self, text: str, topic: str) -> None:
        """Use a question the moderator filed under ``topic`` as an example of it from now on:
        later questions get, as features per topic, the share of their nearest examples filed
        under it (a vote of the KNN closest, weighted by cosine) and their closest one."""
        if topic in self.topics or topic == OTHER_TOPIC:
            self._examples.append(self._embedder.embed(text))
            self._centered_examples.append(self._embedder.centered(self._meant(text)))
            self._example_topics.append(topic)
            self._example_matrix = None

    def _votes(self, vector: Vector, centered: Vector) -> tuple[dict[str, float], dict[str, float]]:
        """Each topic's share of the question's nearest corrected examples, and the cosine of
        its closest example (compared without what all texts share, so that "potholes"
        outweighs "when will")."""
        if not self._examples:
            return {}, {}
        if self._example_matrix is None:
            self._example_matrix = np.stack(self._examples)
            self._centered_matrix = np.stack(self._centered_examples)
        cosines = self._example_matrix @ vector
        nearest = np.argsort(-cosines)[:KNN]
        votes: dict[str, float] = defaultdict(float)
        for row in nearest.tolist():
            votes[self._example_topics[row]] += max(float(cosines[row]), 0.0)
        total = sum(votes.values()) or 1.0
        closest: dict[str, float] = {}
        cosines_centered = (self._centered_matrix @ centered).tolist()
        for topic, cosine in zip(self._example_topics, cosines_centered, strict=True):
            closest[topic] = max(closest.get(topic, 0.0), cosine)
        return {topic: vote / total for topic, vote in votes.items()}, closest

    def _typos(self, text: str) -> dict[str, str]:
        """Misspelt words of ``text`` that are one or two edits from a known word, and that word."""
        found: dict[str, str] = {}
        for term in terms(text):
            key = term.key
            if key not in self._index and key not in self._other and term.surface.isalpha():
                meant = self._spelling.word(term.surface)
                if meant is not None:
                    found[term.surface] = meant
        return found

    def _meant(self, text: str) -> str:
        """``text`` with its misspelt words replaced by the known words they were meant to be,
        for the embedding: "fairnes" is an unknown token, "fairness" a meaning."""
        for typo, meant in self._typos(text).items():
            text = re.sub(rf"\b{re.escape(typo)}\b", meant, text, flags=re.IGNORECASE)
        return text

    def evidence(
        self, text: str
    ) -> tuple[dict[str, float], float, dict[str, list[Evidence]], frozenset[str]]:
        """The words' evidence per topic and for "other", with what each is made of, and the
        keys that came from reading a misspelt word as a known one."""
        found = features(terms(text))
        typos: set[str] = set()
        for key, surface in list(found.items()):
            if key not in self._index and key not in self._other and " " not in key:
                meant = self._spelling.key(surface)
                if meant is not None and meant not in found:
                    found[meant] = surface
                    typos.add(meant)
        matched: dict[str, list[Evidence]] = defaultdict(list)
        for key, surface in found.items():
            for topic, weight in self._index.get(key, ()):
                matched[topic].append((weight, key, surface))
            if key in self._other:
                matched[OTHER_TOPIC].append((self._other[key], key, surface))
        totals = dict.fromkeys(self.topics, 0.0)
        other = 0.0
        for topic, evidence in matched.items():
            evidence[:] = _consume_phrase_parts(evidence)
            total = _combine(evidence)
            if topic == OTHER_TOPIC:
                other = total
            else:
                totals[topic] = total
        return totals, other, matched, frozenset(typos)

    def rows(self, text: str) -> tuple[npt.NDArray[np.float64], dict[str, list[Evidence]]]:
        """The feature rows of ``text``: one per topic, in ``topics`` order, then "other"."""
        _, other_words, matched, typos = self.evidence(text)
        column = {name: i for i, name in enumerate(FEATURES)}
        n = len(self.topics)
        rows = np.zeros((n + 1, len(FEATURES)))
        meant = self._meant(text)
        vector = self._embedder.embed(meant)
        votes, closest = self._votes(vector, self._embedder.centered(meant))
        words = list(terms(meant))
        weights = np.array([generic_weight(t.key) for t in words])
        question = np.stack([self._embedder.centered(t.surface) for t in words]) if words else None
        for i, topic in enumerate(self.topics):
            curated = self._curated.get(topic, frozenset())
            found = matched.get(topic, [])
            plain = [e for e in found if e[1] not in typos]
            row = rows[i]
            row[column["words"]] = math.log1p(_combine([e for e in plain if e[1] not in curated]))
            row[column["curated"]] = math.log1p(_combine([e for e in plain if e[1] in curated]))
            row[column["typo"]] = math.log1p(_combine([e for e in found if e[1] in typos]))
            row[column["grounded"]] = float(bool(found))
            if len(self._keywords[i]):
                row[column["keyword"]] = float((self._keywords[i] @ vector).max())
            if question is not None:
                best = (self._words[topic] @ question.T).max(axis=0)
                mean = (best * weights).sum() / max(weights.sum(), 1e-9)
                row[column["tokens_mean"]] = float(mean)
                row[column["tokens_max"]] = float(best.max())
            if votes:
                row[column["example"]] = votes.get(topic, 0.0)
                row[column["example_max"]] = closest.get(topic, 0.0)
                row[column["has_example"]] = 1.0
        rows[:n, column["title"]] = self._titles @ vector
        rows[:n, column["prompt"]] = self._prompts @ vector
        rows[:n, column["whole"]] = self._whole @ vector
        whole = rows[:n, column["whole"]].copy()
        last = rows[n]
        last[column["other_bias"]] = 1.0
        last[column["other_words"]] = math.log1p(other_words)
        centered = self._embedder.centered(meant)
        last[column["other_centered"]] = float((self._other_centered @ centered).max()) - (
            float((self._whole_centered @ centered).max()) if n else 0.0
        )
        if n:
            evidence = rows[:n, column["words"] : column["typo"] + 1].sum(axis=1)
            last[column["best_words"]] = float(evidence.max())
            last[column["best_whole"]] = float(whole.max() - whole.mean())
            last[column["mean_whole"]] = float(whole.mean())
            last[column["best_tokens"]] = float(rows[:n, column["tokens_max"]].max())
        last[column["length"]] = math.log1p(min(float(weights.sum()), LENGTH_CAP))
        if votes:
            last[column["other_example"]] = votes.get(OTHER_TOPIC, 0.0)
            last[column["other_example_max"]] = closest.get(OTHER_TOPIC, 0.0)
            last[column["other_has_example"]] = 1.0
        # Relative to the other topics: the softmax only compares rows, and the overall level
        # of meaning is the "other" row's business.
        for name in ("title", "prompt", "whole", "tokens_mean", "tokens_max"):
            rows[:n, column[name]] -= rows[:n, column[name]].mean()
        if len(self._keywords) and all(len(k) for k in self._keywords):
            rows[:n, column["keyword"]] -= rows[:n, column["keyword"]].mean()
        return rows, matched

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
        logits = np.array([*totals.values(), other])
        chances = np.exp(logits - logits.max())
        chances /= chances.sum()
        chance = float(chances[[*self.topics, OTHER_TOPIC].index(best)])
        return Suggestion(best, round(chance, 2), _explain(matched.get(best, []))), source

    def explain(self, text: str, live_segment: str | None = None, top: int = 3) -> dict[str, Any]:
        """Why ``text`` gets its suggestion, for ``fireside topics --explain``: which part
        decided, and for the best-scoring topics (and "other") their probability, the words
        that matched with their weights, and the features that moved the score most."""
        suggestion, source = self.decide(text, live_segment)
        rows, matched = self.rows(text)
        totals, other, _ = self.scores(text, live_segment)
        names = [*self.topics, OTHER_TOPIC]
        logits = np.array([*totals.values(), other])
        chances = np.exp(logits - logits.max())
        chances /= chances.sum()
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
        whose meaning is nearly the same (cosine at least ``SAME_QUESTION``) follows the
        moderator, whatever the model would say."""
        if not self._examples:
            return None
        if self._example_matrix is None:
            self._example_matrix = np.stack(self._examples)
            self._centered_matrix = np.stack(self._centered_examples)
        cosines = self._example_matrix @ self._embedder.embed(self._meant(text))
        row = int(np.argmax(cosines))
        return self._example_topics[row] if cosines[row] >= SAME_QUESTION else None

    def _lexical(self, text: str, live_segment: str | None) -> tuple[str, str] | None:
        """The words' own decision where they are unambiguous, with the reason (see
        ``decide``), else None (the model decides).

        A topic whose words give at least ``LEXICAL_MIN`` of evidence (one title word), at
        least ``LEXICAL_MARGIN`` more than any other topic, and more than the "other" words,
        gets the question. With the reference talk's curated vocabulary (some 700 entries) a
        question that no word of any topic matches is "other": there every on-topic question
        of the labelled sets names one of them. With a few keywords a segment it is not, so
        elsewhere the model judges such questions by meaning.
        """
        totals, other, matched, _ = self.evidence(text)
        if not totals:
            return None
        if not any(matched.get(t) for t in self.topics):
            return (OTHER_TOPIC, "no words") if len(self._curated) == len(self.topics) else None
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


@lru_cache(maxsize=1)
def _shipped_model() -> LinearModel:
    return load_model(MODEL_FILE)


LIVE_BONUS = float(_shipped_model().info.get("live_bonus", 0.0))
"""The shipped model's bonus for the segment running when a question arrived (in log-odds),
only when the question's words give that segment any evidence. Chosen by
``benchmarks/fit_topics.py``: the bonus with the best expected agreement on leave-one-talk-out
scores when arrival is simulated (a question is about the running segment half the time). It
tips a close call and never makes a topic out of nothing."""


def _segment_words(segment: Segment, embedder: Embedder) -> Vector:
    """The vectors of a segment's title, prompt and keyword words, one row each."""
    found = terms(f"{segment.title} {segment.prompt} {' '.join(segment.keywords)}")
    words = list(dict.fromkeys(t.surface for t in found)) or [segment.title]
    return np.stack([embedder.centered(word) for word in words])


def _segment_text(segment: Segment) -> str:
    """What a segment is about, as one text for the embedding."""
    return f"{segment.title}. {segment.prompt} {', '.join(segment.keywords)}"


def _consume_phrase_parts(evidence: list[Evidence]) -> list[Evidence]:
    """Count a matching phrase ("context window") or its words, whichever weighs more, not both."""
    weight = {key: w for w, key, _ in evidence}
    dropped: set[str] = set()
    for key in weight:
        if " " in key:
            parts = [part for part in key.split(" ") if part in weight]
            if all(weight[key] >= weight[part] for part in parts):
                dropped.update(parts)
            else:
                dropped.add(key)
    return [e for e in evidence if e[1] not in dropped]


def _combine(evidence: list[Evidence]) -> float:
    """Sum with diminishing returns: the strongest term counts fully, each next one less, so
    one decisive word is not outvoted by a pile of weak hints."""
    weights = sorted((w for w, _, _ in evidence), reverse=True)
    return sum(w * DECAY**i for i, w in enumerate(weights))


def _explain(evidence: list[Evidence], limit: int = 4) -> tuple[str, ...]:
    """The strongest distinct words as written, at most ``limit``, leaving out the vague ones
    that only nudged the score ("make", "look")."""
    chosen: list[str] = []
    for weight, _, surface in sorted(evidence, key=lambda e: -e[0]):
        if weight < EXPLAIN_MIN or len(chosen) == limit:
            break
        if surface not in chosen:
            chosen.append(surface)
    return tuple(chosen)
