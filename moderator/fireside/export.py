"""The session record: the database of one session rendered as a CommonMark document.

``render_export`` reads one consistent snapshot of the database, read-only, so it works
while a hub is writing (``fireside.snapshot`` reads it; this module renders it). It
never looks at the wall clock: "now", for a segment still running, is the latest time
found in the database, so the same database always gives the same bytes. Times are shown
in the time zone of the agenda's ``starts_at`` (UTC if it has none, and the header says so).

What goes in, and what does not (spec section 6):

- a header: title, event, date, speakers, attendance;
- the agenda as a table: planned and actual times and durations, and the over- or under-run
  against the plan (extensions made on stage are noted, not counted as plan);
- the questions discussed (on air) in each segment, in the order they went on air;
- the approved questions grouped by topic (the moderator's topic wins over the suggested
  one; free topics follow the agenda's in order of first use; "other" comes last);
- the approved questions never discussed, most votes first, for a follow-up;
- pending questions only with ``include_pending``; rejected and merged questions only as
  counts. Names only with ``names``. A question absorbs the votes of the questions merged
  into it, counted as distinct people by the same ``Room.vote_count`` the hub uses.

All user text goes through ``fireside.markdown.escape_markdown``.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from pathlib import Path
from typing import Any

from fireside_ask import protocol as p
from fireside_ask.text import plural

from .agenda import Agenda
from .clock import FINISHED, PAUSED, RUNNING, Clock
from .markdown import duration, escape_markdown, long_date, over_under, table_row, zone_label
from .room import Question, Room
from .snapshot import Snapshot, read_snapshot

__all__ = ["render_export", "escape_markdown", "read_snapshot", "Snapshot"]

_DISCUSSED = (p.ON_AIR, p.ANSWERED)
_LISTED = (p.APPROVED, p.ON_AIR, p.ANSWERED)


def render_export(db_path: Path, *, names: bool = False, include_pending: bool = False) -> str:
    """The Markdown record of the session in ``db_path``; the same database, the same bytes."""
    return render_snapshot(read_snapshot(db_path), names=names, include_pending=include_pending)


def render_snapshot(
    snapshot: Snapshot, *, names: bool = False, include_pending: bool = False
) -> str:
    """The Markdown record of an already read snapshot."""
    record = _Record(snapshot, names=names)
    parts = [record.header(), record.agenda_table(), record.discussed(), record.by_topic()]
    parts.append(record.follow_up())
    if include_pending:
        parts.append(record.pending())
    parts.append(record.left_out(include_pending))
    return "\n\n".join(part for part in parts if part) + "\n"


@dataclass
class _Record:
    """The session, digested once, with one method per part of the document."""

    snapshot: Snapshot
    names: bool
    agenda: Agenda | None = None
    zone: tzinfo = UTC
    zone_known: bool = False
    clock: Clock | None = None
    questions: dict[int, Question] = field(default_factory=dict)
    room: Room = field(default_factory=Room)
    """The stored questions and votes, for the room's rules of merged questions' votes."""
    texts: dict[int, str] = field(default_factory=dict)
    escaped_names: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        snapshot = self.snapshot
        raw_agenda = snapshot.meta.get("agenda")
        if raw_agenda:
            agenda = Agenda.from_wire(json.loads(raw_agenda))
            if agenda.starts_at is not None and agenda.starts_at.tzinfo is None:
                # A local time with no offset: read as UTC, and the header says so.
                agenda = dataclasses.replace(agenda, starts_at=agenda.starts_at.replace(tzinfo=UTC))
            elif agenda.starts_at is not None:
                self.zone, self.zone_known = agenda.starts_at.tzinfo or UTC, True
            self.agenda = agenda
            if agenda.segments:
                self.clock = Clock.replay(agenda, snapshot.clock_events)
        self.room.load(snapshot.questions, snapshot.votes, ())
        self.questions = self.room.questions

    # --- helpers -----------------------------------------------------------------
    @property
    def now(self) -> float:
        """The latest wall-clock time in the database: "now" for a segment still running."""
        return self.snapshot.latest or 0.0

    @property
    def session_now(self) -> float:
        """``now`` in the clock's session time, for measuring (see ``fireside.clock``)."""
        return self.clock.session_time_at(self.now) if self.clock is not None else self.now

    def at(self, timestamp: float) -> str:
        return datetime.fromtimestamp(timestamp, self.zone).strftime("%H:%M:%S")

    def span(self, start: float | None, end: float | None, *, open_end: str = "…") -> str:
        if start is None:
            return "—"
        return f"{self.at(start)}–{self.at(end) if end is not None else open_end}"

    def text(self, question: Question) -> str:
        escaped = self.texts.get(question.id)
        if escaped is None:
            escaped = self.texts[question.id] = escape_markdown(question.text)
        return escaped

    def votes(self, question: Question) -> int:
        return self.room.vote_count(question.id)

    def live(self, states: Iterable[str]) -> list[Question]:
        """Questions in ``states`` that were not merged into another."""
        wanted = set(states)
        return [q for q in self.questions.values() if q.state in wanted and q.merged_into is None]

    def item(self, question: Question, *details: str) -> str:
        """One question as a list item: id, text, then who, votes and ``details``."""
        facts = []
        if self.names and question.name:
            name = self.escaped_names.get(question.name)
            if name is None:
                name = self.escaped_names[question.name] = escape_markdown(question.name)
            facts.append(f"asked by {name}")
        votes = self.votes(question)
        facts.append(plural(votes, "vote") if votes else "no votes")
        facts.extend(detail for detail in details if detail)
        merged = len(self.room.family(question.id)) - 1
        if merged:
            facts.append(f"{plural(merged, 'similar question')} merged in")
        if question.text != question.original_text:
            facts.append("edited")
        return f"- **#{question.id}** {self.text(question)} — {' · '.join(facts)}"

    def on_air(self, question: Question) -> str:
        if question.state == p.ON_AIR and question.on_air_at is not None:
            return f"on air from {self.at(question.on_air_at)} to the end"
        if question.on_air_at is not None:
            return f"on air {self.span(question.on_air_at, question.answered_at)}"
        if question.answered_at is not None:
            return f"marked answered at {self.at(question.answered_at)}"
        return ""

    def topic_key(self, question: Question) -> str | None:
        topic = question.topic or question.suggested_topic
        return None if topic is None or topic.casefold() == "other" else topic

    # --- parts -------------------------------------------------------------------
    def header(self) -> str:
        agenda = self.agenda
        title = agenda.title if agenda else "Fireside session"
        lines = [f"# {escape_markdown(title)}", ""]
        where = [part for part in (agenda.event, agenda.room) if part] if agenda else []
        if where:
            lines.append(f"- **Event:** {', '.join(escape_markdown(w) for w in where)}")
        lines.append(f"- **Date:** {self.date()}")
        if agenda and agenda.speakers:
            speakers = ", ".join(escape_markdown(s) for s in agenda.speakers)
            lines.append(f"- **Speakers:** {speakers}")
        questions = self.snapshot.questions
        peak = int(self.snapshot.meta.get("peak_connected") or 0)
        people = len({q.client_id for q in questions})
        lines.append(
            f"- **Attendance:** {plural(peak, 'person', 'people')} connected at the peak · "
            f"{plural(len(questions), 'question')} asked by {plural(people, 'person', 'people')}"
            f" · {plural(len(self.snapshot.votes), 'vote')}"
        )
        zone = zone_label(self.zone)
        if self.zone_known:
            lines.append(f"- **Times:** {zone}, the time zone of the agenda")
        else:
            lines.append("- **Times:** UTC (the agenda gives no time zone)")
        return "\n".join(lines)

    def date(self) -> str:
        if self.agenda and self.agenda.starts_at is not None:
            planned = self.agenda.starts_at
            text = long_date(planned)
            started = self.clock.started_at if self.clock else None
            if started is not None:
                held = datetime.fromtimestamp(started, self.zone)
                if held.date() != planned.date():
                    text += f" (planned; held on {long_date(held)})"
            return text
        if self.clock is not None and self.clock.started_at is not None:
            return long_date(datetime.fromtimestamp(self.clock.started_at, self.zone))
        if self.snapshot.questions:
            first = min(q.created_at for q in self.snapshot.questions)
            return long_date(datetime.fromtimestamp(first, self.zone))
        return "not recorded"

    def agenda_table(self) -> str:
        lines = ["## Agenda", ""]
        if self.agenda is None or self.clock is None:
            lines.append("No agenda was stored with this session.")
            return "\n".join(lines)
        clock, agenda = self.clock, self.agenda
        report = clock.report(self.session_now)
        anchor = agenda.starts_at.timestamp() if agenda.starts_at is not None else clock.started_at
        lines.append(
            table_row(
                ["#", "Segment", "Planned", "Actual", "Over/under", "Planned time", "Actual time"]
            )
        )
        lines.append(table_row(["---:", "---", "---:", "---:", "---:", "---", "---"]))
        notes: list[str] = []
        offset = 0
        for number, row in enumerate(report, start=1):
            planned = row["planned"]
            plan_time = (
                self.span(anchor + offset, anchor + offset + planned) if anchor is not None else "—"
            )
            offset += planned
            actual = row["actual"]
            if actual is None:
                cells = ["—", "—", plan_time, "not reached"]
            else:
                cells = [duration(actual), over_under(actual - planned), plan_time]
                # Each visit on its own: one range from the first start to the last end
                # would overlap the segments shown in between (see clock.py).
                cells.append(", ".join(self.span(start, end) for start, end in row["visits"]))
            title = escape_markdown(row["title"])
            lines.append(table_row([str(number), title, duration(planned), *cells]))
            notes.extend(self.segment_notes(number - 1, row))
        total_planned = agenda.planned_seconds
        reached = [row["actual"] for row in report if row["actual"] is not None]
        total_actual = sum(reached)
        total = [
            "",
            "**Total**",
            duration(total_planned),
            duration(total_actual) if reached else "—",
            over_under(total_actual - total_planned) if clock.state == FINISHED else "—",
            self.span(anchor, anchor + total_planned) if anchor is not None else "—",
            self.span(clock.started_at, clock.finished_at) if reached else "not started",
        ]
        lines.append(table_row(total))
        lines.append("")
        lines.append(
            "Actual durations count running time only: time with the clock paused is left "
            "out. Over/under compares them with the plan. A segment gone back to shows "
            "each of its visits as its own time range."
        )
        if clock.state in (RUNNING, PAUSED):
            current = escape_markdown(agenda.segments[clock.index].title)
            how = "running" if clock.state == RUNNING else "paused"
            notes.append(f"The clock was still {how} in *{current}* when this record was made.")
        if notes:
            lines.append("")
            lines.extend(f"- {note}" for note in notes)
        return "\n".join(lines)

    def segment_notes(self, index: int, row: dict[str, Any]) -> list[str]:
        assert self.clock is not None
        title = escape_markdown(row["title"])
        notes = []
        extra = row["allowance"] - row["planned"]
        if extra:
            verb = "extended" if extra > 0 else "shortened"
            notes.append(f"*{title}* was {verb} by {duration(abs(extra))} on stage.")
        runs = [run for run in self.clock.runs if run.index == index]
        spent = sum(
            (run.session_end if run.session_end is not None else self.session_now)
            - run.session_start
            for run in runs
        )
        paused = spent - (row["actual"] or 0.0)
        if runs and int(round(paused)) > 0:
            notes.append(f"The clock was paused for {duration(paused)} during *{title}*.")
        return notes

    def discussed(self) -> str:
        lines = ["## Questions discussed", "", "Per segment, in the order they went on air."]
        by_segment: dict[str | None, list[Question]] = {}
        known = {s.id for s in self.agenda.segments} if self.agenda else set()
        for question in self.live(_DISCUSSED):
            key = question.on_air_segment
            if key is None and question.on_air_at is None and question.answered_at is not None:
                # Marked answered without going on air: it belongs where the clock was.
                key = self.segment_at(question.answered_at)
            by_segment.setdefault(key if key in known else None, []).append(question)
        segments = self.agenda.segments if self.agenda else ()
        for number, segment in enumerate(segments, start=1):
            lines += ["", f"### {number}. {escape_markdown(segment.title)}"]
            if segment.prompt:
                lines += ["", f"*{escape_markdown(segment.prompt)}*"]
            lines.append("")
            lines.extend(self.on_air_list(by_segment.get(segment.id, [])))
        if None in by_segment:
            lines += ["", "### Outside the agenda's segments", ""]
            lines.extend(self.on_air_list(by_segment[None]))
        return "\n".join(lines)

    def segment_at(self, moment: float) -> str | None:
        """The segment the clock was in at ``moment`` (``None`` before, after, in between)."""
        if self.clock is None or self.agenda is None:
            return None
        for run in self.clock.runs:
            if run.start <= moment and (run.end is None or moment < run.end):
                return self.agenda.segments[run.index].id
        return None

    def on_air_list(self, questions: list[Question]) -> list[str]:
        if not questions:
            return ["No audience question went on air."]
        questions.sort(key=lambda q: (q.on_air_at or q.answered_at or 0.0, q.id))
        return [self.item(q, self.on_air(q)) for q in questions]

    def by_topic(self) -> str:
        lines = ["## Questions by topic"]
        listed = self.live(_LISTED)
        if not listed:
            return "\n".join([*lines, "", "No question was approved."])
        lines += ["", "Every approved question, most votes first within each topic."]
        groups: dict[str | None, list[Question]] = {}
        for question in listed:
            groups.setdefault(self.topic_key(question), []).append(question)
        order = [s.id for s in self.agenda.segments] if self.agenda else []
        # Free topics after the agenda's, in order of first use (ids grow with time).
        order += [key for key in groups if key is not None and key not in order]
        titles = {s.id: s.title for s in self.agenda.segments} if self.agenda else {}
        for key in [*order, None]:
            if key not in groups:
                continue
            heading = "Other" if key is None else escape_markdown(titles.get(key, key))
            lines += ["", f"### {heading}", ""]
            for question in sorted(groups[key], key=lambda q: (-self.votes(q), q.id)):
                lines.append(self.item(question, self.status(question)))
        return "\n".join(lines)

    def status(self, question: Question) -> str:
        if question.state == p.ANSWERED:
            return "answered"
        if question.state == p.ON_AIR:
            return "on air at the end"
        return "not answered"

    def follow_up(self) -> str:
        lines = ["## Not answered, for follow-up", ""]
        waiting = sorted(self.live((p.APPROVED,)), key=lambda q: (-self.votes(q), q.id))
        if not waiting:
            lines.append("No approved question was left unanswered.")
        else:
            lines.append("Approved but never discussed, most votes first.")
            lines.append("")
            lines.extend(self.item(q) for q in waiting)
        return "\n".join(lines)

    def pending(self) -> str:
        lines = ["## Never triaged", ""]
        waiting = self.live((p.PENDING,))
        if not waiting:
            lines.append("No question was left untriaged.")
        else:
            lines.append("Nobody approved or rejected these.")
            lines.append("")
            lines.extend(self.item(q, f"asked at {self.at(q.created_at)}") for q in waiting)
        return "\n".join(lines)

    def left_out(self, include_pending: bool) -> str:
        merged = sum(1 for q in self.questions.values() if q.merged_into is not None)
        rejected = len(self.live((p.REJECTED,)))
        pending = len(self.live((p.PENDING,)))
        facts = [
            f"{plural(rejected, 'question')} rejected",
            f"{plural(merged, 'question')} merged into another",
        ]
        if not include_pending:
            facts.append(f"{plural(pending, 'question')} never triaged")
        return "\n".join(
            [
                "## Left out",
                "",
                "These are counted but not listed:",
                "",
                *(f"- {fact}" for fact in facts),
            ]
        )
