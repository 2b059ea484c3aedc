"""Requests waiting for the hub's answer: the record of one, the checks made before it is
sent, and how an answer (or the end of the session) settles it.

``Session`` keeps these by ``request_id`` and sends them again after a reconnect; asks are
also in the outbox file (``config``) until the hub answers them.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from . import protocol as p
from .connection import Refused, SessionError
from .state import Message
from .text import clean_text


@dataclass
class Request:
    """One request waiting for its ``ack`` or ``error``."""

    request_id: str
    message: Message
    future: asyncio.Future[Message]
    persistent: bool = False
    """An ask kept in the outbox file until the hub answers it."""

    @property
    def text(self) -> str:
        return str(self.message.get("text", ""))


class Kept(SessionError):
    """The session ended before the hub answered; the ask stays in the outbox file."""

    def __init__(self, cause: SessionError) -> None:
        super().__init__(cause.message)
        self.exit_code = cause.exit_code
        self.__cause__ = cause


def new_request(message: Message, *, persistent: bool = False) -> Request:
    """A request for ``message`` (which carries its ``request_id``), not yet answered."""
    future: asyncio.Future[Message] = asyncio.get_running_loop().create_future()
    # A request can fail when the session ends with nobody awaiting it: mark its
    # exception as seen so asyncio does not log "exception was never retrieved".
    future.add_done_callback(lambda f: f.cancelled() or f.exception())
    return Request(message["request_id"], message, future, persistent)


def check_question(text: str, limit: int) -> str:
    """Return the text the hub would store, or raise ``Refused`` as the hub would."""
    cleaned = clean_text(text)
    if not cleaned:
        raise Refused(p.EMPTY, "The question is empty.")
    if len(cleaned) > limit:
        raise Refused(
            p.TOO_LONG,
            f"The question has {len(cleaned)} characters; the limit is {limit}.",
        )
    return cleaned


def check_frame(message: Message, frame_bytes: int) -> None:
    """Raise ``Refused`` (too long) for a message over the hub's frame limit."""
    # The hub closes the connection (1009) on a frame over its limit, instead of
    # answering; so say "too long" here rather than lose the connection.
    size = len(p.encode(message).encode("utf-8"))
    if size > frame_bytes:
        raise Refused(
            p.TOO_LONG,
            f"The question is {size} bytes once encoded; the hub accepts "
            f"{frame_bytes}. Please shorten it.",
        )


def resolve(request: Request, reply: Message | None, error: BaseException | None) -> None:
    """Complete the request's future: with ``error``, a ``Refused`` for an error reply,
    or the reply itself. A request already completed is left as it is."""
    if request.future.done():
        return
    if error is not None:
        request.future.set_exception(error)
    elif reply is not None and reply.get("type") == "error":
        request.future.set_exception(
            Refused(
                str(reply.get("code") or "error"),
                clean_text(str(reply.get("message") or "The hub refused the request.")),
            )
        )
    else:
        request.future.set_result(reply or {})
