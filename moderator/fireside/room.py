"""The questions of one session and every rule about them, as plain Python with no I/O.

The hub owns one ``Room``. It decides here, persists what changed through the store, and
announces the change only after the commit. Everything that touches time takes ``now``
(seconds since the epoch) so tests drive it with a fake clock.

Decisions recorded here, where the next reader will look:

- Putting a question on air while another is on air marks the other one answered: moving
  to the next question is how a moderator says the last one is done. Undo restores both.
- A pending question may go on air directly (it is approved on the way); an answered one
  may go back on air.
- A merge goes only into a public question (approved, on air or answered): merging into
  a pending one would publish it without anyone approving it.
- Merging keeps both questions. The merged one stays in the store with ``merged_into`` set
  and disappears from the lists; the target's count is the number of distinct people who
  voted for either, so the votes of both are summed and a person who voted for both counts
  once. Votes on a merged question go to its target.
- Undo works as a stack over moderator actions: each ``u`` restores the questions touched
  by the latest action not yet undone, exactly as they were before it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

from fireside_ask import protocol as p
from fireside_ask.text import clean_name, clean_text

from .roomdata import Action, Change, Question

# The records live in roomdata; they are imported from here too, beside the rules.
__all__ = ["MAX_TOPIC_CHARS", "Action", "Change", "Question", "Room", "RoomError"]

MAX_TOPIC_CHARS = 40


class RoomError(Exception):
    """A request the rules refuse; ``code`` is the protocol error code."""

    def __init__(self, code: str, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.retry_after = retry_after
        """Seconds until a ``rate_limited`` request may succeed (sent as ``retry_after``)."""


# How an action's refusal names it: "#3 is answered and cannot be approved."
_VERBS = {
    "approve": "approved",
    "reject": "rejected",
    "on_air": "put on air",
    "answered": "marked answered",
    "merge": "merged",
}


@dataclass
class _Step:
    """One moderator action under way: its question and message, and what it has touched."""

    question: Question
    message: Mapping[str, Any]
    now: float
    segment: str | None
    touched: dict[int, Question] = field(default_factory=dict)
    """Each question the action changes, as it was before (for undo), in the order touched."""

    def touch(self, target: Question) -> Question:
        """Keep ``target`` as it was before this action first changed it; return it."""
        self.touched.setdefault(target.id, dataclasses.replace(target))
        return target


class Room:
    """All questions, votes and moderator history of one session."""

    def __init__(self, *, auto_approve: bool = False, max_chars: int = p.MAX_QUESTION_CHARS):
        self.questions: dict[int, Question] = {}
        self.votes: dict[int, set[str]] = {}
        """Direct votes per question id; counts also include merged questions."""
        self.requests: dict[tuple[str, str], int] = {}
        """(client_id, request_id) of every ask, so a resend returns the same question."""
        self.actions: list[Action] = []
        self.auto_approve = auto_approve
        """Whether new questions skip the moderation queue."""
        self.max_chars = max_chars
        self.generation = 0
        """Which load of the database this room is: a write decided on an older one fails."""
        self._children: dict[int, set[int]] = {}
        self.next_id = 1
        self.next_action_id = 1

    # --- loading -------------------------------------------------------------------
    def load(
        self,
        questions: Iterable[Question],
        votes: Iterable[tuple[int, str]],
        actions: Iterable[Action],
    ) -> None:
        """Fill the room from stored rows (the hub does this once at start)."""
        for question in questions:
            self.questions[question.id] = question
            self.requests[(question.client_id, question.request_id)] = question.id
            self.next_id = max(self.next_id, question.id + 1)
        for question_id, client_id in votes:
            self.votes.setdefault(question_id, set()).add(client_id)
        for action in actions:
            self.actions.append(action)
            self.next_action_id = max(self.next_action_id, action.id + 1)
        self._reindex()

    def _reindex(self) -> None:
        self._children = {}
        for question in self.questions.values():
            if question.merged_into is not None:
                self._children.setdefault(question.merged_into, set()).add(question.id)

    # --- reading -------------------------------------------------------------------
    def root(self, question_id: int) -> int:
        """The question a merged question now lives in (itself if not merged)."""
        seen = set()
        while (target := self.questions[question_id].merged_into) is not None:
            if question_id in seen:  # pragma: no cover - merges refuse cycles
                break
            seen.add(question_id)
            question_id = target
        return question_id

    def family(self, question_id: int) -> list[int]:
        """This question and every question merged into it, directly or through another."""
        family, todo = [], [question_id]
        while todo:
            current = todo.pop()
            family.append(current)
            todo.extend(self._children.get(current, ()))
        return family

    def vote_count(self, question_id: int) -> int:
        """Distinct people who voted for this question or for one merged into it."""
        family = self.family(question_id)
        if len(family) == 1:
            return len(self.votes.get(question_id, ()))
        voters: set[str] = set()
        for member in family:
            voters |= self.votes.get(member, set())
        return len(voters)

    def has_voted(self, client_id: str, question_id: int) -> bool:
        return any(client_id in self.votes.get(m, ()) for m in self.family(question_id))

    def on_air(self) -> Question | None:
        return next((q for q in self.questions.values() if q.state == p.ON_AIR), None)

    def undo_summary(self) -> p.UndoSummary | None:
        action = self._last_action()
        return action.summary() if action else None

    def _last_action(self) -> Action | None:
        return next((a for a in reversed(self.actions) if not a.undone), None)

    def get(self, question_id: Any) -> Question:
        if isinstance(question_id, bool) or not isinstance(question_id, int):
            raise RoomError(p.BAD_MESSAGE, "question_id must be a whole number.")
        question = self.questions.get(question_id)
        if question is None:
            raise RoomError(p.NOT_FOUND, f"There is no question #{question_id}.")
        return question

    # --- attendee requests ---------------------------------------------------------
    def ask(
        self,
        client_id: str,
        request_id: str,
        text: Any,
        *,
        now: float,
        name: str | None = None,
        segment: str | None = None,
    ) -> tuple[Question, Change | None]:
        """Add a question; a repeated ``request_id`` returns the first one and no change."""
        existing = self.requests.get((client_id, request_id))
        if existing is not None:
            return self.questions[existing], None
        cleaned = self.check_text(text)
        state = p.APPROVED if self.auto_approve else p.PENDING
        question = Question(
            id=self.next_id,
            client_id=client_id,
            request_id=request_id,
            text=cleaned,
            original_text=cleaned,
            state=state,
            created_at=now,
            name=clean_name(name) or None if name else None,
            segment=segment,
            approved_at=now if state == p.APPROVED else None,
        )
        self.next_id += 1
        self.questions[question.id] = question
        self.requests[(client_id, request_id)] = question.id
        return question, Change(questions=[question], created={question.id})

    def check_text(self, text: Any) -> str:
        """Clean question text and enforce its length, or raise ``RoomError``."""
        if not isinstance(text, str):
            raise RoomError(p.BAD_MESSAGE, '"text" must be a string.')
        cleaned = clean_text(text)
        if not cleaned:
            raise RoomError(p.EMPTY, "The question is empty.")
        if len(cleaned) > self.max_chars:
            raise RoomError(
                p.TOO_LONG,
                f"The question has {len(cleaned)} characters; the limit is {self.max_chars}.",
            )
        return cleaned

    def vote(
        self, client_id: str, question_id: int, up: bool, *, moderator: bool = False
    ) -> tuple[Question, Change]:
        """Give or take back one vote; voting on a merged question votes for its target.

        A client votes on what it can see. An attendee sees public questions and its own
        that ``mine`` shows (not rejected); anything else is ``not_found``, so a vote never
        tells an asker of a rejection. A moderator sees every question: a rejected one is
        ``invalid_state``.
        """
        asked = self.get(question_id)
        question = self.questions[self.root(asked.id)]
        if moderator:
            if question.state == p.REJECTED:
                raise RoomError(p.INVALID_STATE, f"#{question.id} is rejected and takes no votes.")
        else:
            # An attendee's vote goes where the question lives now (after merges), which
            # must be listed, or its own (the asker of a merged question was told of the
            # merge), and never rejected: to its asker a rejected question is not there.
            own = client_id in (question.client_id, asked.client_id)
            if asked.state == p.REJECTED or not (
                question.public or (own and question.state != p.REJECTED)
            ):
                raise RoomError(p.NOT_FOUND, f"There is no question #{asked.id}.")
        change = Change()
        if up and not self.has_voted(client_id, question.id):
            self.votes.setdefault(question.id, set()).add(client_id)
            change.votes.append((question.id, client_id, True))
        elif not up:
            for member in self.family(question.id):
                voters = self.votes.get(member)
                if voters and client_id in voters:
                    voters.discard(client_id)
                    change.votes.append((member, client_id, False))
        if change.votes:
            change.vote_counts.add(question.id)
        return question, change

    # --- moderator actions ---------------------------------------------------------
    def act(
        self, kind: str, message: Mapping[str, Any], *, now: float, segment: str | None = None
    ) -> Change:
        """Apply one moderator action from its message, as ``protocol.decode_request`` read it.

        The message's fields are already of their declared kinds (the decoder refused any
        other); it becomes undoable. Which states each action applies to is
        ``protocol.ACTION_STATES``; what each does is its method in ``_ACTIONS``.
        """
        question = self.get(message.get("question_id"))
        self._check_action(kind, question)
        step = _Step(question, message, now, segment)
        self._ACTIONS[kind](self, step)
        return self._record(kind, step)

    def _check_action(self, kind: str, question: Question) -> None:
        """Refuse an action on a merged question, an unknown action, or one the state forbids."""
        if question.merged_into is not None:
            raise RoomError(
                p.INVALID_STATE,
                f"#{question.id} was merged into #{question.merged_into}; act on that one.",
            )
        if kind not in p.ACTION_STATES:
            raise RoomError(p.UNKNOWN_TYPE, f"Unknown moderator action {kind!r}.")
        if question.state not in p.ACTION_STATES[kind]:
            raise RoomError(
                p.INVALID_STATE,
                f"#{question.id} is {question.state.replace('_', ' ')} and cannot be "
                f"{_VERBS.get(kind, 'changed')}.",
            )

    def _record(self, kind: str, step: _Step) -> Change:
        """Make the action undoable and say what it changed."""
        touched = step.touched
        action = Action(
            id=self.next_action_id,
            kind=kind,
            at=step.now,
            question_id=step.question.id,
            before=[q.row() for q in touched.values()],
            after=[self.questions[qid].row() for qid in touched],
        )
        self.next_action_id += 1
        self.actions.append(action)
        change = Change(
            questions=[self.questions[qid] for qid in touched],
            previous=touched,
            action=action,
        )
        if kind == "merge":
            change.vote_counts.add(self.root(step.question.id))
        return change

    def _approve(self, step: _Step) -> None:
        question = step.touch(step.question)
        question.state, question.approved_at = p.APPROVED, step.now

    def _reject(self, step: _Step) -> None:
        question = step.touch(step.question)
        question.state = p.REJECTED
        question.pinned = False

    def _on_air(self, step: _Step) -> None:
        current = self.on_air()
        if current is not None and current.id != step.question.id:
            step.touch(current)
            current.state, current.answered_at = p.ANSWERED, step.now
        question = step.touch(step.question)
        if question.approved_at is None:
            question.approved_at = step.now
        question.state, question.on_air_at = p.ON_AIR, step.now
        question.on_air_segment, question.answered_at = step.segment, None

    def _answered(self, step: _Step) -> None:
        question = step.touch(step.question)
        question.state, question.answered_at = p.ANSWERED, step.now

    def _pin(self, step: _Step) -> None:
        pinned = step.message.get("pinned", not step.question.pinned)
        step.touch(step.question).pinned = pinned

    def _edit(self, step: _Step) -> None:
        text = self.check_text(step.message.get("text"))
        step.touch(step.question).text = text

    def _topic(self, step: _Step) -> None:
        topic = step.message.get("topic")
        topic = clean_text(topic)[:MAX_TOPIC_CHARS] if topic else None
        step.touch(step.question).topic = topic or None

    def _merge(self, step: _Step) -> None:
        question = step.question
        target = self.get(step.message.get("into"))
        if target.id == question.id:
            raise RoomError(p.INVALID_STATE, "A question cannot be merged into itself.")
        if target.merged_into is not None:
            raise RoomError(
                p.INVALID_STATE,
                f"#{target.id} was merged into #{target.merged_into}; merge into that one.",
            )
        if target.state not in p.MERGE_INTO_STATES:
            # Merging into a question nobody approved would publish it by the way.
            raise RoomError(
                p.INVALID_STATE,
                f"#{target.id} is {target.state}: approve it first, or merge it into "
                f"#{question.id} instead.",
            )
        step.touch(question)
        step.touch(target)
        question.merged_into, question.pinned = target.id, False
        self._reindex()

    # One method an action; its keys are protocol.ACTION_STATES's (a test holds them equal).
    _ACTIONS: ClassVar[Mapping[str, Callable[[Room, _Step], None]]] = {
        "approve": _approve,
        "reject": _reject,
        "on_air": _on_air,
        "answered": _answered,
        "pin": _pin,
        "edit": _edit,
        "topic": _topic,
        "merge": _merge,
    }

    def undo(self) -> Change:
        """Undo the latest moderator action that is not undone yet."""
        action = self._last_action()
        if action is None:
            raise RoomError(p.NOTHING_TO_UNDO, "There is nothing to undo.")
        change = Change(action=action, undo=True)
        for row in action.before:
            current = self.questions[row["id"]]
            change.previous[current.id] = dataclasses.replace(current)
            restored = Question(**row)
            self.questions[restored.id] = restored
            change.questions.append(restored)
        action.undone = True
        self._reindex()
        if action.kind == "merge":
            change.vote_counts |= {q.id for q in change.questions}
        return change
