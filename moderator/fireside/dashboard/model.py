"""What the dashboard knows about the session, rebuilt from the hub's messages.

Plain Python with no Textual import: the widgets read from it, and tests can feed it
messages directly.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from fireside_ask import protocol as p
from fireside_ask.text import clean_text

SORTS = ("votes", "time", "topic")


@dataclass
class Model:
    """The session as the hub last described it."""

    session: dict[str, Any] = field(default_factory=dict)
    questions: dict[int, dict[str, Any]] = field(default_factory=dict)
    connected: int = 0
    on_air: int | None = None
    undo: p.UndoSummary | None = None
    auto_approve: bool = False
    clock: dict[str, Any] | None = None
    clock_received: float = 0.0
    """Monotonic time when ``clock`` arrived; the count goes on locally from there."""
    join: str = ""
    """The join command the hub sent (with its own LAN address); empty from older hubs."""
    join_url: str = ""
    """The attendee page's address the hub sent; empty from older hubs."""
    ready: bool = False
    """Whether a welcome has arrived."""
    monotonic: Callable[[], float] = time.monotonic

    def apply(self, message: p.ServerMessage) -> str:
        """Fold one hub message in; return what it changed (its type, or ``""``).

        ``message`` is as ``protocol.decode_message`` returned it (``HubLink`` skips a
        frame that fails decoding), so declared fields are read without re-checking them.
        """
        # Each comparison with a Literal ``type`` narrows ``message`` to that TypedDict.
        if message["type"] == "welcome":
            self.session = message.get("session", {})
            self.questions = {q["id"]: self._clean(q) for q in message["questions"]}
            self.connected = message.get("connected", 0)
            self.on_air = message.get("on_air")
            self.undo = message.get("undo")
            self.join = message.get("join", "")
            self.join_url = message.get("join_url", "")
            settings = message.get("settings")
            self.auto_approve = settings is not None and settings["auto_approve"]
            self._set_clock(message.get("clock"))
            self.ready = True
        elif message["type"] == "question":
            question = self._clean(message["question"])
            self.questions[question["id"]] = question
            if question["state"] == p.ON_AIR:
                self.on_air = question["id"]
            elif self.on_air == question["id"]:
                self.on_air = None
        elif message["type"] == "question_removed":
            self.questions.pop(message["id"], None)
        elif message["type"] == "votes":
            for qid, count in p.vote_counts(message).items():
                counted = self.questions.get(qid)
                if counted is not None:
                    counted["votes"] = count
        elif message["type"] == "on_air":
            current = message["question"]
            self.on_air = current["id"] if current else None
        elif message["type"] == "presence":
            self.connected = message["connected"]
        elif message["type"] == "undo":
            self.undo = message["next"]
        elif message["type"] == "settings":
            self.auto_approve = message["auto_approve"]
        elif message["type"] == "clock":
            self._set_clock(message)
        else:
            return ""
        return message["type"]

    def _set_clock(self, clock: p.ClockPush | None) -> None:
        # Stored as a plain dict: the clock view reads it loosely, with what it computes.
        self.clock = dict(clock) if clock is not None else None
        self.clock_received = self.monotonic()

    @staticmethod
    def _clean(question: p.QuestionView) -> dict[str, Any]:
        # The hub cleans text on input; clean again in case the hub is not ours.
        cleaned: dict[str, Any] = dict(question)
        done: dict[str, str] = {}  # an unedited question's original is its text: clean once
        for key in ("text", "original_text", "name", "topic"):
            value = cleaned.get(key)
            if isinstance(value, str):
                if value not in done:
                    done[value] = clean_text(value)
                cleaned[key] = done[value]
        return cleaned

    # --- views ---------------------------------------------------------------------
    def live(self) -> list[dict[str, Any]]:
        return [q for q in self.questions.values() if q.get("merged_into") is None]

    def inbox(self, needle: str = "") -> list[dict[str, Any]]:
        """Pending questions, oldest first so the newest arrive at the bottom."""
        rows = [q for q in self.live() if q["state"] == p.PENDING and _has(q, needle)]
        return sorted(rows, key=lambda q: (q["created_at"], q["id"]))

    def queue(
        self, sort: str = "votes", needle: str = "", focus_topic: str | None = None
    ) -> list[dict[str, Any]]:
        """Approved questions: pinned first, then the current segment's topic, then ``sort``.

        A question's topic is the moderator's where set, else the suggestion: most questions
        are never tagged by hand, and they belong to their segment all the same.
        """
        rows = [q for q in self.live() if q["state"] == p.APPROVED and _has(q, needle)]

        def key(q: dict[str, Any]) -> tuple[Any, ...]:
            topic = effective_topic(q)
            head = (not q.get("pinned"), focus_topic is None or topic != focus_topic)
            if sort == "time":
                return (*head, q["created_at"], q["id"])
            if sort == "topic":
                return (*head, topic, -q.get("votes", 0), q["id"])
            return (*head, -q.get("votes", 0), q["created_at"], q["id"])

        return sorted(rows, key=key)

    def answered(self) -> list[dict[str, Any]]:
        rows = [q for q in self.live() if q["state"] == p.ANSWERED]
        return sorted(rows, key=lambda q: (q.get("answered_at") or 0, q["id"]))

    def counts(self) -> dict[str, int]:
        """Questions in (everything asked), waiting (pending) and answered."""
        live = self.live()
        return {
            "in": len(self.questions),
            "waiting": sum(1 for q in live if q["state"] == p.PENDING),
            "approved": sum(1 for q in live if q["state"] == p.APPROVED),
            "answered": sum(1 for q in live if q["state"] == p.ANSWERED),
        }

    def merge_targets(self, question_id: int) -> list[dict[str, Any]]:
        """Questions this one could merge into (public ones), the most similar first."""
        source = self.questions.get(question_id)
        if source is None:
            return []
        candidates = [
            q for q in self.live() if q["id"] != question_id and q["state"] in p.MERGE_INTO_STATES
        ]
        # Only here: importing fireside.topics loads its models and numpy (0.2 s), which
        # a dashboard on a remote hub needs only once the moderator merges.
        from ..topics.text import word_overlap

        hint = source.get("duplicate_of")
        return sorted(
            candidates,
            key=lambda q: (
                q["id"] != hint,  # the hub's duplicate hint comes first
                -word_overlap(source["text"], q["text"]),
                -q.get("votes", 0),
                q["id"],
            ),
        )

    def by_topic(self) -> list[tuple[str, str, list[dict[str, Any]]]]:
        """(topic id, title, questions) for every topic with live, not rejected questions.

        Agenda topics first, in agenda order, then any custom topic, then ``other``; within
        a topic, the queue's order (pinned, votes).
        """
        titles = dict(self.topics())
        groups: dict[str, list[dict[str, Any]]] = {}
        for question in self.live():
            if question["state"] != p.REJECTED:
                groups.setdefault(effective_topic(question), []).append(question)
        order = [t for t, _ in self.topics() if t != "other"]
        order += sorted(t for t in groups if t not in titles)
        order.append("other")
        return [
            (
                topic,
                titles.get(topic, topic),
                sorted(
                    groups[topic],
                    key=lambda q: (not q.get("pinned"), -q.get("votes", 0), q["id"]),
                ),
            )
            for topic in order
            if topic in groups
        ]

    def topics(self) -> list[tuple[str, str]]:
        """(id, title) of every agenda segment, then ``other``."""
        segments = self.session.get("segments", [])
        return [(s["id"], s.get("title") or s["id"]) for s in segments] + [("other", "Other")]


def effective_topic(question: dict[str, Any]) -> str:
    """The moderator's topic, else the suggestion, else ``other``."""
    return str(question.get("topic") or question.get("suggested_topic") or "other")


def _has(question: dict[str, Any], needle: str) -> bool:
    if not needle:
        return True
    needle = needle.lower()
    return needle in question["text"].lower() or needle in effective_topic(question).lower()
