"""Emergent groups: "other" questions that share a theme, under a label made of their words.

Questions that fit no agenda topic are linked when they share a content word (after stemming
and synonyms: "deck" and "slides" are one word; vague words such as "talk" or "share" do not
link). Linked questions form a group, labelled with its one or two most shared words as people
wrote them: "slides", or "slides · recording" when a question asks about both.
"""

from __future__ import annotations

from collections import Counter, defaultdict

from fireside.topics.stem import stem
from fireside.topics.text import generic_weight, listing_rank, terms

OTHER_TOPIC = "other"
LABEL_WORDS = 2


def _content_terms(text: str) -> dict[str, str]:
    """Content keys of a question, each with the word as written."""
    found: dict[str, str] = {}
    for term in terms(text):
        if generic_weight(term.key) >= 1.0 and " " not in term.surface:
            found.setdefault(term.key, term.surface)
    return found


def emergent_groups(questions: dict[int, str], topics: dict[int, str]) -> dict[int, str]:
    """Question id -> group label, for "other" questions that share a theme with another one."""
    others = sorted(qid for qid in questions if topics.get(qid) == OTHER_TOPIC)
    words = {qid: _content_terms(questions[qid]) for qid in others}
    df = Counter(key for found in words.values() for key in found)
    shared = {qid: [key for key in found if df[key] >= 2] for qid, found in words.items()}

    # Union-find over questions that share a key.
    parent = {qid: qid for qid in others}

    def root(qid: int) -> int:
        while parent[qid] != qid:
            parent[qid] = parent[parent[qid]]
            qid = parent[qid]
        return qid

    first_with: dict[str, int] = {}
    for qid in others:
        for key in shared[qid]:
            if key in first_with:
                parent[root(qid)] = root(first_with[key])
            else:
                first_with[key] = qid

    members: dict[int, list[int]] = defaultdict(list)
    for qid in others:
        if shared[qid]:
            members[root(qid)].append(qid)

    labels: dict[int, str] = {}
    for group in members.values():
        counts = Counter(key for qid in group for key in shared[qid])
        top = sorted(counts, key=lambda key: (-counts[key], key))[:LABEL_WORDS]
        label = " · ".join(_surface(key, group, words) for key in top)
        for qid in group:
            labels[qid] = label
    return labels


def _surface(key: str, group: list[int], words: dict[int, dict[str, str]]) -> str:
    """The commonest way the group's questions wrote a key ("slides", not "slide"); on a tie,
    the plain word over its synonym ("slides" over "deck", "recording" over "recorded")."""
    spellings = Counter(words[qid][key] for qid in group if key in words[qid])
    return min(spellings, key=lambda s: (-spellings[s], stem(s) != key, listing_rank(s), s))
