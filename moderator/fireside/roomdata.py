"""The records a ``Room`` keeps and hands out: questions, moderator actions, and what one
request changed. Data only; every rule about them is in ``room``."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

from fireside_ask import protocol as p


@dataclass
class Question:
    """One audience question and everything the moderator has done to it."""

    id: int
    client_id: str
    request_id: str
    text: str
    original_text: str
    state: str
    created_at: float
    name: str | None = None
    segment: str | None = None
    """Agenda segment running when it arrived."""
    pinned: bool = False
    topic: str | None = None
    """Topic set by the moderator; it wins over any suggestion."""
    merged_into: int | None = None
    approved_at: float | None = None
    on_air_at: float | None = None
    on_air_segment: str | None = None
    answered_at: float | None = None
    suggested_topic: str | None = None
    """Topic suggested on arrival (a segment id or ``other``); ``topic`` wins over it."""
    suggestion_words: str | None = None
    """The words that made the suggestion, space-separated: why it was suggested."""
    duplicate_of: int | None = None
    """An earlier question that seems to ask the same thing (a hint; never merged alone)."""

    @property
    def public(self) -> bool:
        """Whether every attendee may see it."""
        return self.state in p.PUBLIC_STATES and self.merged_into is None

    def row(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


@dataclass
class Action:
    """One moderator action, with the questions it touched before and after."""

    id: int
    kind: str
    at: float
    question_id: int
    before: list[dict[str, Any]]
    after: list[dict[str, Any]]
    undone: bool = False

    def summary(self) -> p.UndoSummary:
        return {"action_id": self.id, "kind": self.kind, "question_id": self.question_id}


@dataclass
class Change:
    """What one request changed: the hub persists it, then announces it."""

    questions: list[Question] = field(default_factory=list)
    """Questions whose row changed, in their new form."""
    previous: dict[int, Question] = field(default_factory=dict)
    """The same questions as they were, for visibility changes."""
    action: Action | None = None
    votes: list[tuple[int, str, bool]] = field(default_factory=list)
    """(question_id, client_id, up) vote rows to write."""
    vote_counts: set[int] = field(default_factory=set)
    """Questions whose count changed."""
    created: set[int] = field(default_factory=set)
    """Ids of questions this change creates (stored with a plain insert, never a replace)."""
    undo: bool = False
    """Whether ``action`` is an existing action being undone rather than a new one."""
