"""``fireside agenda check``: validate an agenda file and print its plan."""

from __future__ import annotations

import argparse
from datetime import timedelta

from ..agenda import load_agenda


def cmd_agenda_check(args: argparse.Namespace) -> int:
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    from ..agenda import format_duration, plan_rows

    agenda = load_agenda(args.file)
    console = Console(highlight=False)
    table = Table(title=Text(agenda.title), title_justify="left")
    # Only the title may wrap: ids, durations and times stay whole on narrow terminals.
    table.add_column("#", justify="right", no_wrap=True)
    table.add_column("id", no_wrap=True)
    table.add_column("title", ratio=1)
    table.add_column("kind", no_wrap=True)
    table.add_column("duration", justify="right", no_wrap=True)
    table.add_column("start", justify="right", no_wrap=True)
    for number, row in enumerate(plan_rows(agenda), start=1):
        segment = row["segment"]
        when = row["start"]
        if when is None:
            start = f"+{format_duration(row['offset'])}"
        else:
            start = when.strftime("%H:%M:%S" if when.second else "%H:%M")
        table.add_row(
            str(number),
            Text(segment.id),
            Text(segment.title),
            segment.kind,
            format_duration(segment.duration),
            start,
        )
    console.print(table)
    ends = ""
    if agenda.starts_at is not None:
        end = agenda.starts_at + timedelta(seconds=agenda.planned_seconds)
        ends = f", {agenda.starts_at:%Y-%m-%d %H:%M}-{end:%H:%M} ({agenda.starts_at:%z})"
    console.print(
        Text(
            f"{len(agenda.segments)} segments, "
            f"{format_duration(agenda.planned_seconds)} in all{ends}. OK."
        )
    )
    return 0
