"""Agenda files: the plan of a session as segments with durations, read from TOML."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from importlib import resources
from pathlib import Path
from typing import Any

MAX_SESSION_SECONDS = 24 * 3600
SEGMENT_KINDS = ("discussion", "qa")
_DURATION = re.compile(r"^(?:(?P<h>\d+)h)?(?:(?P<m>\d+)m)?(?:(?P<s>\d+)s)?$")


class AgendaError(ValueError):
    """An agenda file that cannot be used; the message names the line and the field."""


@dataclass(frozen=True)
class Segment:
    """One timed part of the session; its ``id`` doubles as a topic id."""

    id: str
    title: str
    duration: int
    """Planned length in seconds."""
    prompt: str = ""
    keywords: tuple[str, ...] = ()
    kind: str = "discussion"

    def to_wire(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "prompt": self.prompt,
            "duration": self.duration,
            "keywords": list(self.keywords),
            "kind": self.kind,
        }


@dataclass(frozen=True)
class Agenda:
    """The whole plan: title, speakers, optional start time and the segments in order."""

    title: str
    segments: tuple[Segment, ...]
    speakers: tuple[str, ...] = ()
    starts_at: datetime | None = None
    event: str = ""
    room: str = ""
    extra: dict[str, Any] = field(default_factory=dict, compare=False)

    @property
    def planned_seconds(self) -> int:
        return sum(segment.duration for segment in self.segments)

    def segment(self, segment_id: str) -> Segment | None:
        return next((s for s in self.segments if s.id == segment_id), None)

    @classmethod
    def from_wire(cls, data: dict[str, Any]) -> Agenda:
        """Rebuild an agenda from ``to_wire()`` (as the hub keeps it in the database)."""
        starts_at = data.get("starts_at")
        return cls(
            title=data["title"],
            segments=tuple(
                Segment(
                    id=s["id"],
                    title=s.get("title", s["id"]),
                    duration=int(s["duration"]),
                    prompt=s.get("prompt", ""),
                    keywords=tuple(s.get("keywords", ())),
                    kind=s.get("kind", "discussion"),
                )
                for s in data["segments"]
            ),
            speakers=tuple(data.get("speakers", ())),
            starts_at=datetime.fromisoformat(starts_at) if starts_at else None,
            event=data.get("event", ""),
            room=data.get("room", ""),
        )

    def to_wire(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "event": self.event,
            "room": self.room,
            "speakers": list(self.speakers),
            "starts_at": self.starts_at.isoformat() if self.starts_at else None,
            "segments": [segment.to_wire() for segment in self.segments],
        }


def parse_duration(text: str) -> int:
    """Read ``"90s"``, ``"4m"``, ``"4m30s"`` or ``"1h5m"`` as seconds."""
    match = _DURATION.match(text.strip()) if isinstance(text, str) else None
    if not match or not any(match.groupdict().values()):
        raise ValueError(f"{text!r} is not a duration like 90s, 4m or 1h5m")
    h, m, s = (int(match.group(k) or 0) for k in "hms")
    return h * 3600 + m * 60 + s


def format_duration(seconds: int) -> str:
    """Write seconds the way agenda files do: ``4m30s``, ``1h5m``, ``90s`` stays ``1m30s``."""
    seconds = int(seconds)
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    parts = [f"{h}h" if h else "", f"{m}m" if m else "", f"{s}s" if s else ""]
    return "".join(parts) or "0s"


def _field_line(source: str, field_name: str, segment_index: int | None) -> int:
    """Best-effort line number of ``field_name`` (in the n-th ``[[segment]]`` if given)."""
    lines = source.splitlines()
    start, end = 0, len(lines)
    if segment_index is not None:
        headers = [i for i, line in enumerate(lines) if line.strip() == "[[segment]]"]
        if segment_index < len(headers):
            start = headers[segment_index]
            following = headers[segment_index + 1 :]
            end = following[0] if following else len(lines)
    key = re.compile(rf"^\s*{re.escape(field_name)}\s*=")
    for number in range(start, end):
        if key.match(lines[number]):
            return number + 1
    return start + 1


def parse_agenda(source: str, name: str = "<agenda>") -> Agenda:
    """Parse and validate agenda TOML text; raise ``AgendaError`` naming line and field."""
    try:
        data = tomllib.loads(source)
    except tomllib.TOMLDecodeError as exc:
        found = re.search(r"line (\d+)", str(exc))
        line = found.group(1) if found else "1"
        raise AgendaError(f"{name}:{line}: not valid TOML: {exc}") from None
    fail = _Fail(source, name)
    title = data.get("title")
    if not isinstance(title, str) or not title.strip():
        raise fail("title", "a session title is required")
    starts_at = _starts_at(data.get("starts_at"), fail)
    speakers = data.get("speakers", [])
    if not isinstance(speakers, list) or not all(isinstance(s, str) for s in speakers):
        raise fail("speakers", "must be a list of names")
    raw_segments = data.get("segment")
    if not isinstance(raw_segments, list) or not raw_segments:
        raise AgendaError(f"{name}:1: field 'segment': at least one [[segment]] is required")
    seen: set[str] = set()
    segments = [_segment(raw, index, seen, fail) for index, raw in enumerate(raw_segments)]
    agenda = Agenda(
        title=title.strip(),
        segments=tuple(segments),
        speakers=tuple(speakers),
        starts_at=starts_at,
        event=str(data.get("event", "")),
        room=str(data.get("room", "")),
    )
    if agenda.planned_seconds > MAX_SESSION_SECONDS:
        raise fail(
            "duration",
            f"the session adds up to {format_duration(agenda.planned_seconds)}, more than 24 hours",
            len(segments) - 1,
        )
    return agenda


@dataclass(frozen=True)
class _Fail:
    """Makes the ``AgendaError`` for a field of one agenda file, naming its line."""

    source: str
    name: str

    def __call__(
        self, field_name: str, problem: str, segment_index: int | None = None
    ) -> AgendaError:
        line = _field_line(self.source, field_name, segment_index)
        where = f"segment {segment_index + 1}, " if segment_index is not None else ""
        return AgendaError(f"{self.name}:{line}: {where}field '{field_name}': {problem}")


def _starts_at(value: Any, fail: _Fail) -> datetime | None:
    """The session's planned start, with an offset, from the agenda's ``starts_at``."""
    if value is None:
        return None
    starts_at = value
    if isinstance(value, str):
        try:
            starts_at = datetime.fromisoformat(value)
        except ValueError:
            raise fail("starts_at", f"{value!r} is not an ISO 8601 date and time") from None
    if not isinstance(starts_at, datetime):
        raise fail("starts_at", "must be a date and time such as 2026-04-14T10:30:00+02:00")
    if starts_at.tzinfo is None:
        # A time without an offset is the venue's time, which is this machine's local time.
        # Fixing the offset here means the clock, the database and the export all agree.
        starts_at = starts_at.astimezone()
    return starts_at


def _segment(raw: Any, index: int, seen: set[str], fail: _Fail) -> Segment:
    """One ``[[segment]]`` table, checked; its id is added to ``seen`` (ids are unique)."""
    segment_id = raw.get("id")
    if not isinstance(segment_id, str) or not segment_id.strip():
        raise fail("id", "every segment needs an id", index)
    if not re.fullmatch(r"[A-Za-z0-9_-]{1,40}", segment_id):
        raise fail("id", f"{segment_id!r} must be 1-40 letters, digits, _ or -", index)
    if segment_id in seen or segment_id == "other":
        raise fail("id", f"{segment_id!r} is used twice (or is the reserved 'other')", index)
    seen.add(segment_id)
    seg_title = raw.get("title", segment_id)
    if not isinstance(seg_title, str):
        raise fail("title", "must be text", index)
    try:
        duration = parse_duration(raw.get("duration"))
    except ValueError as exc:
        raise fail("duration", str(exc), index) from None
    if duration <= 0:
        raise fail("duration", "must be longer than zero", index)
    keywords = raw.get("keywords", [])
    if not isinstance(keywords, list) or not all(isinstance(k, str) for k in keywords):
        raise fail("keywords", "must be a list of words", index)
    kind = raw.get("kind", "discussion")
    if kind not in SEGMENT_KINDS:
        raise fail("kind", f"{kind!r} must be one of {', '.join(SEGMENT_KINDS)}", index)
    prompt = raw.get("prompt", "")
    if not isinstance(prompt, str):
        raise fail("prompt", "must be text", index)
    return Segment(segment_id, seg_title, duration, prompt, tuple(keywords), kind)


def plan_rows(agenda: Agenda) -> list[dict[str, Any]]:
    """Each segment with its planned start offset (seconds) and, if known, start time."""
    rows, offset = [], 0
    for segment in agenda.segments:
        start = (
            agenda.starts_at + timedelta(seconds=offset) if agenda.starts_at is not None else None
        )
        rows.append({"segment": segment, "offset": offset, "start": start})
        offset += segment.duration
    return rows


def load_agenda(path: str | Path) -> Agenda:
    """Read an agenda file; raise ``AgendaError`` with a clear message if it is unusable."""
    path = Path(path)
    try:
        source = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise AgendaError(f"{path}: cannot read the agenda: {exc.strerror}") from None
    return parse_agenda(source, str(path))


def default_agenda_source() -> str:
    """The TOML text of the built-in reference session."""
    return resources.files("fireside").joinpath("data/default-agenda.toml").read_text("utf-8")


def default_agenda() -> Agenda:
    """The built-in reference session (also shipped as ``examples/pycon-de-2026.toml``)."""
    return parse_agenda(default_agenda_source(), "default agenda")
