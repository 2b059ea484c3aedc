"""How alike two questions are in words: their concept keys and the contrast/detail score.

The unit of comparison for duplicate search (``duplicates.py``): a question's concept keys,
with misspellings corrected and paraphrases that mean the same between two questions (but
would blur topics) mapped together; and the weighted Jaccard index that tells a different
subject (contrast) from the same subject asked more precisely (detail).
"""

from __future__ import annotations

import re
from functools import lru_cache

from fireside.topics.text import (
    CONCEPTS,
    Spelling,
    known_words,
    terms,
    within_edits,
)
from fireside.topics.vocab import OTHER, THEMES

CONTRAST = 1.5
"""Weight of words each question has and the other lacks: a different subject."""
DETAIL = 0.25
"""Weight of words only one question has: the same subject, asked more precisely."""
TYPO_CREDIT = 0.8
"""How much a key matched only by spelling (one edit apart) counts of a full match."""
TYPO_MIN_LENGTH = 6
"""Shorter words are not treated as misspellings of each other ("bias" and "base")."""


# Paraphrases that mean the same when comparing two questions, but would blur topics if the
# suggester used them ("smarter" is a capability word for the gap topic, not just "quality").
_PARAPHRASES = """
open: weight weights
compare: compare comparison comparable better worse worst ahead behind overtake overtaken
  overtook surpass surpassed outperform outperforms beat beats superior inferior trail trailing
  lag lagging catchup gap parity par versus edge lead leading leads match matches difference
  differ differences choose choice pick select decide reach level
run: run runs running serve serving served host hosting hosted execute power
good: quality capable accuracy accurate smart smarter intelligent
hurt: lose loss degrade degrades degradation drop drops suffer dumb dumber stupid
matter: relevant relevance important matters
speed: speed fast faster slow slower latency throughput
database: db dbs database databases
prevent: avoid protect secure security defend safeguard mitigate
replace: replace replaced job jobs unemployment obsolete
"""


_GROUP_HEADS = frozenset(CONCEPTS.values())


def _paraphrases() -> dict[str, str]:
    table = {}
    for block in re.split(r"\n(?=\S)", _PARAPHRASES.strip()):
        head, _, words = block.partition(":")
        for word in words.split():
            for term in terms(word):
                # Never remap a whole synonym group of the text module ("worse" is already
                # "compare"), only plain stems.
                if term.key not in _GROUP_HEADS:
                    table[term.key] = head
    return table


_SAME_QUESTION = _paraphrases()


_SPELLING_WORDS = known_words(
    [text for tiers in (*THEMES.values(), OTHER) for text in tiers.values()]
)
_SPELLING = Spelling(_SPELLING_WORDS)
_KNOWN_KEYS = frozenset(_SPELLING_WORDS.values())


@lru_cache(maxsize=8192)
def question_keys(text: str) -> frozenset[str]:
    """The concept keys of a question, the unit of comparison (misspellings corrected)."""
    keys = set()
    for term in terms(text):
        key = term.key
        if key not in _KNOWN_KEYS:
            key = _SPELLING.key(term.surface) or key
        keys.add(_SAME_QUESTION.get(key, key))
    return frozenset(keys)


_FRAME_WORD = re.compile(r"[a-z0-9]+")


def frame(text: str) -> list[str]:
    """A question's words in order, stopwords included: the sentence's frame."""
    return _FRAME_WORD.findall(text.lower())


def score(shared: float, extra_a: float, extra_b: float) -> float:
    """The similarity from the weight two questions share and each one's extra weight."""
    contrast = min(extra_a, extra_b)
    detail = max(extra_a, extra_b) - contrast
    total = shared + CONTRAST * 2 * contrast + DETAIL * detail
    return shared / total if total else 0.0


@lru_cache(maxsize=65536)
def one_edit(a: str, b: str) -> bool:
    """Whether two keys are one edit apart (a misspelling of each other)."""
    return within_edits(a, b, 1)
