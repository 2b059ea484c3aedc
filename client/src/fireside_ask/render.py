"""How hub data looks on the attendee's terminal, always as literal text.

Everything that came from the hub (question text, names, titles) goes through ``safe``,
which cleans it again with ``clean_text`` (a hub could be hostile too), and is then put in
a Rich ``Text``: Rich never reads it as markup, so ``[bold]`` stays ``[bold]``. The console
itself is made with markup, emoji and highlighting off, as a second lock on the same door.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import IO, Any

from rich.console import Console
from rich.text import Text

from . import protocol as p
from .state import HubState, Message, question_id
from .text import clean_text, plural

STATE_LABELS = {
    p.PENDING: "pending",
    p.APPROVED: "approved",
    p.ON_AIR: "on air",
    p.ANSWERED: "answered",
    p.REJECTED: "rejected",
}
STATE_STYLES = {
    p.PENDING: "yellow",
    p.ON_AIR: "bold green",
    p.ANSWERED: "dim",
}
WAS_ON_AIR = "aired"
"""The label of the question left on air once the session has ended: nothing is on stage
any more (the attendee page says "Was on air"; this one fits the column)."""
LABEL_WIDTH = max(len(label) for label in (*STATE_LABELS.values(), WAS_ON_AIR)) + 1


def make_console(file: IO[str] | None = None, *, stderr: bool = False) -> Console:
    """A console that prints text literally and leaves colour to the terminal and NO_COLOR."""
    return Console(file=file, stderr=stderr, markup=False, emoji=False, highlight=False)


def safe(value: Any, limit: int | None = None) -> str:
    """Hub-supplied text, cleaned of escapes and controls, optionally cut to ``limit``."""
    if value is None:
        return ""
    text = clean_text(str(value))
    if limit is not None and len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    return text


def question_line(
    question: dict[str, Any], *, mine: bool = False, voted: bool = False, ended: bool = False
) -> Text:
    """One question on one line: ``#3    5 votes  approved  What about Qwen?``."""
    state = str(question.get("state") or "")
    votes = question.get("votes")
    votes = votes if isinstance(votes, int) else 0
    line = Text()
    line.append(f"#{question.get('id')}".ljust(5), style="bold")
    line.append(f"{plural(votes, 'vote'):>9}", style="cyan" if voted else "")
    line.append("  ")
    if ended and state == p.ON_AIR:
        line.append(WAS_ON_AIR.ljust(LABEL_WIDTH), style="dim")
    else:
        line.append(
            STATE_LABELS.get(state, safe(state, 12)).ljust(LABEL_WIDTH),
            style=STATE_STYLES.get(state, ""),
        )
    line.append(" ")
    line.append(safe(question.get("text")))
    name = safe(question.get("name"), p.MAX_NAME_CHARS)
    if name:
        line.append(f"  ({name})", style="dim")
    if mine:
        line.append("  (yours)", style="dim")
    if voted:
        line.append("  (you voted)", style="dim")
    return line


def question_lines(state: HubState) -> Iterable[Text]:
    for question in state.visible():
        qid = question["id"]
        yield question_line(
            question, mine=qid in state.mine, voted=qid in state.my_votes, ended=state.ended
        )


def on_air_line(question: dict[str, Any] | None) -> Text:
    if question is None:
        return Text("Nothing on air right now.", style="dim")
    line = Text("ON AIR ", style="bold reverse green")
    line.append(f" #{question.get('id')} ", style="bold")
    line.append(safe(question.get("text")))
    name = safe(question.get("name"), p.MAX_NAME_CHARS)
    if name:
        line.append(f"  ({name})", style="dim")
    return line


def segment_line(segment: dict[str, Any]) -> Text:
    line = Text("Now: ", style="bold magenta")
    line.append(safe(segment.get("title") or segment.get("id"), 120))
    return line


def header(state: HubState) -> list[Text]:
    """The session title, where and who, as the first lines of interactive mode."""
    lines = [Text(safe(state.title, 200) or "Fireside session", style="bold")]
    session = state.session
    where = " · ".join(
        part
        for part in (safe(session.get("event"), 120), safe(session.get("room"), 80))
        if part
    )
    if where:
        lines.append(Text(where, style="dim"))
    speakers = session.get("speakers")
    if isinstance(speakers, list) and speakers:
        names = ", ".join(safe(s, 60) for s in speakers[:12] if safe(s, 60))
        if names:
            lines.append(Text("With " + names, style="dim"))
    return lines


def vote_message(asked: int, up: bool, ack: Message, *, take_back: str) -> str:
    """What a vote did, in one sentence: counted, already given, or gone to a merge target.

    ``take_back`` is how this client takes a vote back (``/unvote`` or ``--unvote``). The
    ack names the question that holds the vote, which differs from ``asked`` after a merge;
    ``changed`` is false for a repeated vote (a hub that does not send it counts as true).
    """
    target = question_id(ack.get("question_id"))
    target = asked if target is None else target
    count = question_id(ack.get("votes"))
    votes = f" ({plural(count, 'vote')})" if count is not None else ""
    changed = ack.get("changed") is not False
    if target != asked:
        merged = f"#{asked} was merged into #{target}"
        if up and changed:
            return f"{merged}: your vote counts there{votes}."
        if up:
            return (
                f"{merged}, and you already voted there{votes}; "
                f"{take_back} {target} takes it back."
            )
        if changed:
            return f"{merged}: took back your vote there{votes}."
        return f"{merged}; you had not voted there."
    if up and changed:
        return f"Voted for #{asked}{votes}."
    if up:
        return f"You already voted for #{asked}{votes}; {take_back} {asked} takes it back."
    if changed:
        return f"Took back your vote on #{asked}{votes}."
    return f"You had not voted for #{asked}."
