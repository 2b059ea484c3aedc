"""Porter's stemmer (M. F. Porter, 1980), so that "biases", "biased" and "bias" meet.

It comes from ``snowballstemmer`` (the Snowball project's own pure-Python build of the
algorithm) rather than being written out here: one well-kept implementation instead of our
copy. Like every Porter stemmer it over-stems a little ("general" and "generation" both become
"gener"), which is harmless for matching questions to topics. Words of one or two letters are
left alone, as in Porter's reference implementation ("is", "us" and "vs" stay themselves).
"""

from __future__ import annotations

from functools import lru_cache

import snowballstemmer  # type: ignore[import-untyped]  # ships no type hints

_PORTER = snowballstemmer.stemmer("porter")


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """The Porter stem of a lower-case word."""
    if len(word) <= 2:
        return word
    return str(_PORTER.stemWord(word))
