"""Messages the dashboard's widgets and its hub link send up to the screen."""

from __future__ import annotations

from dataclasses import dataclass

from textual.message import Message

from fireside_ask import protocol as p


@dataclass
class HubMessage(Message):
    """A message from the hub (welcome, question, votes, clock...)."""

    payload: p.ServerMessage


@dataclass
class LinkStatus(Message):
    """The connection to the hub changed: connecting, online, offline or refused."""

    status: str
    detail: str


@dataclass
class QuestionHighlighted(Message):
    """The cursor of a question list moved to another question (or to none)."""

    question_id: int | None
