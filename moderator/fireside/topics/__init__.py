"""Topics: suggest an agenda topic for each question, find duplicates, group the rest.

Offline: stems, synonyms and weighted terms, static word embeddings shipped in the
``wordllama`` wheel, and small linear models learned across talks; never the TUI.
See ``docs/topics.md`` for the method and its numbers.

- ``TopicSuggester(agenda).suggest(text, live_segment)`` -> ``Suggestion(topic, score, words)``
- ``DuplicateIndex``: ``add``, ``remove``, ``find`` (an earlier question asking the same)
- ``emergent_groups(questions, topics)``: labels for "other" questions that share a theme
- ``suggest_lines(lines, agenda)``: what ``fireside topics --json`` prints, one dict per line
"""

from __future__ import annotations

from typing import Any

from fireside.agenda import Agenda
from fireside.topics.duplicates import DuplicateIndex
from fireside.topics.groups import emergent_groups
from fireside.topics.lexicon import OTHER_TOPIC
from fireside.topics.suggest import Suggestion, TopicSuggester

__all__ = [
    "OTHER_TOPIC",
    "DuplicateIndex",
    "Suggestion",
    "TopicSuggester",
    "emergent_groups",
    "suggest_lines",
]


def suggest_lines(lines: list[str], agenda: Agenda, explain: bool = False) -> list[dict[str, Any]]:
    """For each line, ``{"text", "topic", "duplicate_of"}``; ``duplicate_of`` is the 0-based
    index of an earlier line asking the same thing, or None. Blank lines get "other". With
    ``explain``, each non-blank line also has ``"explain"`` (``TopicSuggester.explain``)."""
    suggester = TopicSuggester(agenda)
    index = DuplicateIndex()
    results: list[dict[str, Any]] = []
    for number, line in enumerate(lines):
        if not line.strip():
            results.append({"text": line, "topic": OTHER_TOPIC, "duplicate_of": None})
            continue
        row: dict[str, Any] = {"text": line, "topic": "", "duplicate_of": index.find(line)}
        if explain:
            row["explain"] = suggester.explain(line)
            row["topic"] = row["explain"]["topic"]
        else:
            row["topic"] = suggester.suggest(line).topic
        results.append(row)
        index.add(number, line)
    return results
