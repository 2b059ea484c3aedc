"""Reading frames: check each field against its declaration, or raise ``ProtocolError``."""

from __future__ import annotations

import json
from typing import Any, Literal, Union, get_type_hints

from . import messages
from .constants import (
    BAD_MESSAGE,
    CLIENT_ID_PATTERN,
    PROTOCOL_VERSION,
    REQUEST_ID_PATTERN,
    UNKNOWN_TYPE,
    UNSUPPORTED_PROTOCOL,
)
from .messages import MESSAGES, REQUESTS, Request, ServerMessage


class ProtocolError(Exception):
    """A frame that breaks the protocol; carries the error code to answer with."""

    def __init__(
        self, code: str, message: str, request_id: str | None = None, kind: str = ""
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.request_id = request_id
        self.kind = kind
        """The frame's ``type`` when it had a string one (``unknown_type`` names it)."""


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def _describe(annotation: Any) -> str:
    if annotation is str:
        return "a string"
    if annotation is bool:
        return "true or false"
    if annotation is int:
        return "a whole number"
    if annotation is float:
        return "a number"
    origin = getattr(annotation, "__origin__", None)
    if origin is Literal:
        return "one of " + ", ".join(str(v) for v in annotation.__args__)
    if origin is Union:
        kinds = [_describe(a) for a in annotation.__args__ if a is not type(None)]
        return " or ".join(kinds) + " or null"
    if origin is list:
        return "a list"
    if origin is dict or isinstance(annotation, type):
        return "an object"
    return "something else"


_BAD = object()


def _check(value: Any, annotation: Any) -> Any:
    """Return ``value`` as ``annotation`` declares it, or ``_BAD``.

    JSON has one kind of number, so a whole number written as a float (``1.0``, how some
    encoders write 1) is accepted where a whole number is declared, and becomes an int.
    ``true`` is never a number, although Python says ``True == 1``.
    """
    if annotation is Any:
        return value
    if annotation is bool:
        return value if isinstance(value, bool) else _BAD
    if annotation is int:
        if isinstance(value, bool):
            return _BAD
        if isinstance(value, int):
            return value
        if isinstance(value, float) and value.is_integer():
            return int(value)
        return _BAD
    if annotation is float:
        return value if isinstance(value, (int, float)) and not isinstance(value, bool) else _BAD
    if annotation is str:
        return value if isinstance(value, str) else _BAD
    origin = getattr(annotation, "__origin__", None)
    if origin is Literal:
        return value if isinstance(value, str) and value in annotation.__args__ else _BAD
    if origin is Union:
        if value is None and type(None) in annotation.__args__:
            return None
        for option in annotation.__args__:
            if option is not type(None) and (checked := _check(value, option)) is not _BAD:
                return checked
        return _BAD
    if origin is list:
        if not isinstance(value, list):
            return _BAD
        (item,) = annotation.__args__
        items = [_check(v, item) for v in value]
        return _BAD if any(i is _BAD for i in items) else items
    if origin is dict:
        if not isinstance(value, dict):
            return _BAD
        _, item = annotation.__args__
        if item is Any:
            return value
        values = {k: _check(v, item) for k, v in value.items()}
        return _BAD if any(v is _BAD for v in values.values()) else values
    if isinstance(annotation, type) and issubclass(annotation, dict):  # a TypedDict
        if not isinstance(value, dict):
            return _BAD
        try:
            return _fields(value, annotation, None)
        except ProtocolError:
            return _BAD
    raise TypeError(f"the protocol cannot declare {annotation!r}")  # pragma: no cover


_HINTS: dict[Any, dict[str, Any]] = {}


def _hints(cls: Any) -> dict[str, Any]:
    hints = _HINTS.get(cls)
    if hints is None:
        # The declarations are strings (``from __future__ import annotations``): they name
        # the schema's classes, so they are read in the schema module's namespace.
        hints = _HINTS[cls] = get_type_hints(cls, vars(messages))
    return hints


def _fields(message: dict[str, Any], cls: Any, request_id: str | None) -> dict[str, Any]:
    """Check every field ``cls`` declares; keep the fields it does not declare as they are."""
    checked = dict(message)
    for name, annotation in _hints(cls).items():
        if name not in message:
            if name in cls.__required_keys__:
                kind = message.get("type", "message")
                raise ProtocolError(BAD_MESSAGE, f'"{name}" is missing from {kind}.', request_id)
            continue
        value = _check(message[name], annotation)
        if value is _BAD:
            raise ProtocolError(
                BAD_MESSAGE, f'"{name}" must be {_describe(annotation)}.', request_id
            )
        checked[name] = value
    return checked


def _decode(frame: Any, table: dict[str, Any]) -> dict[str, Any]:
    if not isinstance(frame, str):
        raise ProtocolError(BAD_MESSAGE, "Frames must be JSON text, not binary.")
    try:
        message = json.loads(frame, parse_constant=_reject_constant)
    except (ValueError, RecursionError):
        raise ProtocolError(BAD_MESSAGE, "That frame is not valid JSON.") from None
    if not isinstance(message, dict):
        raise ProtocolError(BAD_MESSAGE, "A frame must be a JSON object.")
    request_id = message.get("request_id")
    if request_id is not None and not (
        isinstance(request_id, str) and REQUEST_ID_PATTERN.fullmatch(request_id)
    ):
        raise ProtocolError(
            BAD_MESSAGE, "request_id must be 1-64 letters, digits or _.:- characters."
        )
    kind = message.get("type")
    if not isinstance(kind, str) or not kind:
        raise ProtocolError(BAD_MESSAGE, 'A frame needs a string "type".', request_id)
    cls = table.get(kind)
    if cls is None:
        raise ProtocolError(
            UNKNOWN_TYPE, f"Unknown message type {kind[:40]!r}.", request_id, kind
        )
    # The version is checked before the other fields: a client of another version must
    # learn that, whatever else its hello carries.
    if (
        kind == "hello"
        and table is REQUESTS
        and _check(message.get("protocol"), int) != PROTOCOL_VERSION
    ):
        raise ProtocolError(
            UNSUPPORTED_PROTOCOL,
            f"This hub speaks protocol {PROTOCOL_VERSION}; please update your client.",
            request_id,
        )
    checked = _fields(message, cls, request_id)
    # Only where the message declares it (hello): elsewhere a client_id is an undeclared
    # field, ignored like any other, whatever its kind.
    client_id = checked.get("client_id") if "client_id" in _hints(cls) else None
    if table is REQUESTS and client_id is not None and not CLIENT_ID_PATTERN.fullmatch(client_id):
        raise ProtocolError(
            BAD_MESSAGE, "client_id must be 8-64 letters, digits, _ or -.", request_id
        )
    return checked


def decode_request(frame: Any) -> Request:
    """Read one frame a client sent (the hub's side), or raise ``ProtocolError``.

    Binary frames, invalid JSON, non-objects, a missing ``type`` and a declared field of
    the wrong kind are ``bad_message`` (the message names the field); a ``type`` that is
    not a request is ``unknown_type``. Fields not declared are ignored.
    """
    return _decode(frame, REQUESTS)  # type: ignore[return-value]


def decode_message(frame: Any) -> ServerMessage:
    """Read one frame the hub sent (a client's side), or raise ``ProtocolError``.

    A client skips a frame this refuses: ``unknown_type`` is a newer hub's message.
    """
    return _decode(frame, MESSAGES)  # type: ignore[return-value]
