"""The words' evidence for topic suggestion: which agenda segment a question's own words name.

Each candidate segment gets a weighted profile of terms: its keywords (weight 3), title words
(2) and prompt words (1), plus, when the segment is one of the built-in themes, that theme's
curated vocabulary (tiers 3, 2, 1; see ``vocab.py``). A term that several segments share counts
less (an inverse document frequency over the segments). Misspelt words are read as the known
word they were meant to be. The evidence is one feature of the learned model (``features.py``)
and, where it is unambiguous, decides on its own (``suggest.py``).
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Iterable

from fireside.agenda import Segment
from fireside.topics.text import Spelling, Term, bigrams, generic_weight, known_words, terms
from fireside.topics.vocab import OTHER, THEMES

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

Evidence = tuple[float, str, str]
"""One matching term: its weight for the topic, its key and the words as written."""
Features = dict[str, str]
"""A question's unigram and bigram keys, each with the words as written."""
WordEvidence = tuple[dict[str, float], float, dict[str, list[Evidence]], frozenset[str]]
"""Per topic the words' evidence, that of "other", what each is made of, and the keys that
came from reading a misspelt word as a known one."""


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


THEME_PROFILES = {name: _vocabulary(tiers) for name, tiers in THEMES.items()}
OTHER_PROFILE = _vocabulary(OTHER)


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


def attach_themes(segments: list[Segment], profiles: dict[str, dict[str, float]]) -> dict[str, str]:
    """Segment id -> built-in theme: by equal id, else by the best overlap with its words."""
    attached = {s.id: s.id for s in segments if s.id in THEMES}
    options = []
    for theme, vocabulary in THEME_PROFILES.items():
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


class Lexicon:
    """The words of an agenda's topics and of "other", weighted, with a spelling corrector."""

    def __init__(self, segments: list[Segment]) -> None:
        profiles = {s.id: segment_profile(s) for s in segments}
        self.curated: dict[str, frozenset[str]] = {}
        """Segment id -> the keys of the built-in theme attached to it."""
        for segment_id, theme in attach_themes(segments, profiles).items():
            profile = profiles[segment_id]
            # The curated tier wins over the uniform keyword weight: it knows that "chinese"
            # is context in this talk while "censorship" decides.
            profile.update(THEME_PROFILES[theme])
            self.curated[segment_id] = frozenset(THEME_PROFILES[theme])
        self.topics = tuple(profiles)
        """The candidate topic ids, in agenda order."""
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
        self._other = {k: w for k, w in OTHER_PROFILE.items() if k not in df}
        texts = [f"{s.title} {s.prompt} {' '.join(s.keywords)}" for s in segments]
        texts += [text for tiers in (*THEMES.values(), OTHER) for text in tiers.values()]
        self._spelling = Spelling(known_words(texts))

    @property
    def all_curated(self) -> bool:
        """Whether every topic has a curated vocabulary (the reference talk)."""
        return len(self.curated) == len(self.topics)

    def typos(self, text: str) -> dict[str, str]:
        """Misspelt words of ``text`` that are one or two edits from a known word, and that word."""
        found: dict[str, str] = {}
        for term in terms(text):
            key = term.key
            if key not in self._index and key not in self._other and term.surface.isalpha():
                meant = self._spelling.word(term.surface)
                if meant is not None:
                    found[term.surface] = meant
        return found

    def meant(self, text: str) -> str:
        """``text`` with its misspelt words replaced by the known words they were meant to be,
        for the embedding: "fairnes" is an unknown token, "fairness" a meaning."""
        for typo, meant in self.typos(text).items():
            text = re.sub(rf"\b{re.escape(typo)}\b", meant, text, flags=re.IGNORECASE)
        return text

    def evidence(self, text: str) -> WordEvidence:
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
            total = combine(evidence)
            if topic == OTHER_TOPIC:
                other = total
            else:
                totals[topic] = total
        return totals, other, matched, frozenset(typos)


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


def combine(evidence: list[Evidence]) -> float:
    """Sum with diminishing returns: the strongest term counts fully, each next one less, so
    one decisive word is not outvoted by a pile of weak hints."""
    weights = sorted((w for w, _, _ in evidence), reverse=True)
    return sum(w * DECAY**i for i, w in enumerate(weights))


def explain_words(evidence: list[Evidence], limit: int = 4) -> tuple[str, ...]:
    """The strongest distinct words as written, at most ``limit``, leaving out the vague ones
    that only nudged the score ("make", "look")."""
    chosen: list[str] = []
    for weight, _, surface in sorted(evidence, key=lambda e: -e[0]):
        if weight < EXPLAIN_MIN or len(chosen) == limit:
            break
        if surface not in chosen:
            chosen.append(surface)
    return tuple(chosen)
