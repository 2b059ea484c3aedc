"""Who sees what: pure functions from a committed change to (audience, message) pairs.

Nothing here knows of sockets; the hub maps each audience to its open connections.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from fireside_ask import protocol as p

from ..room import Change, Question, Room

MODERATORS = "moderators"
"""Every moderator connection."""
PUBLIC = "public"
"""Every attendee and stage screen."""


@dataclass(frozen=True)
class Owner:
    """The attendee connections of one person: the asker of a question others cannot see."""

    client_id: str


Audience = str | Owner
Message = dict[str, Any]


class Views:
    """A question as each audience sees it, over the room as it is now."""

    def __init__(self, room: Room) -> None:
        self.room = room

    def public(self, question: Question) -> dict[str, Any]:
        """A question as attendees and the stage see it."""
        return {
            "id": question.id,
            "text": question.text,
            "state": question.state,
            "votes": self.room.vote_count(question.id),
            "pinned": question.pinned,
            "topic": question.topic,
            "name": question.name,
            "created_at": question.created_at,
            "segment": question.segment,
            "on_air_at": question.on_air_at,
            "answered_at": question.answered_at,
            "merged_into": question.merged_into,
        }

    def moderator(self, question: Question) -> dict[str, Any]:
        """A question with everything the moderator may see."""
        view = self.public(question)
        view.update(
            client_id=question.client_id,
            original_text=question.original_text,
            edited=question.text != question.original_text,
            approved_at=question.approved_at,
            on_air_segment=question.on_air_segment,
            suggested_topic=question.suggested_topic,
            suggestion_words=question.suggestion_words,
            duplicate_of=question.duplicate_of,
        )
        return view


def announce(change: Change, views: Views) -> list[tuple[Audience, Message]]:
    """What each audience is told of a committed change, in the order it must hear it."""
    out: list[tuple[Audience, Message]] = []
    for question in change.questions:
        before = change.previous.get(question.id)
        out.append((MODERATORS, {"type": "question", "question": views.moderator(question)}))
        if question.public:
            out.append((PUBLIC, {"type": "question", "question": views.public(question)}))
        elif before is not None and before.public:
            removed = {"type": "question_removed", "id": question.id}
            out.append((PUBLIC, {**removed, "merged_into": question.merged_into}))
        elif question.state != p.REJECTED:
            # Hidden from the room (pending), but its asker sees it in `mine`.
            owner = Owner(question.client_id)
            out.append((owner, {"type": "question", "question": views.public(question)}))
        elif before is not None:
            owner = Owner(question.client_id)
            out.append(
                (owner, {"type": "question_removed", "id": question.id, "merged_into": None})
            )
    on_air_before = {q.id for q in change.previous.values() if q.state == p.ON_AIR}
    on_air_now = {q.id for q in change.questions if q.state == p.ON_AIR}
    if on_air_before != on_air_now:
        current = views.room.on_air()
        moderator = views.moderator(current) if current else None
        out.append((MODERATORS, {"type": "on_air", "question": moderator}))
        out.append(
            (PUBLIC, {"type": "on_air", "question": views.public(current) if current else None})
        )
    if change.action is not None:
        out.append((MODERATORS, {"type": "undo", "next": views.room.undo_summary()}))
    return out


def seen_by_attendees(change: Change) -> bool:
    """Whether a change alters what attendees see (and so the welcome they share)."""
    return (
        bool(change.vote_counts)
        or any(q.public for q in change.questions)
        or any(q.public for q in change.previous.values())
    )


def vote_counts(room: Room, dirty: Iterable[int]) -> list[tuple[Audience, Message]]:
    """The coalesced vote counts of the questions in ``dirty``, for those who may see them."""
    counts = {qid: room.vote_count(qid) for qid in dirty if qid in room.questions}
    if not counts:
        return []
    out: list[tuple[Audience, Message]] = [
        (MODERATORS, {"type": "votes", "counts": _keyed(counts)})
    ]
    public = {qid: n for qid, n in counts.items() if room.questions[qid].public}
    if public:
        out.append((PUBLIC, {"type": "votes", "counts": _keyed(public)}))
    return out


def _keyed(counts: dict[int, int]) -> dict[str, int]:
    return {str(qid): n for qid, n in sorted(counts.items())}
