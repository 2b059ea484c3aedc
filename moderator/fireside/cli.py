"""The ``fireside`` command: its parser (every subcommand, with help and examples) and
``main``. The body of each command is in ``fireside.commands``."""

from __future__ import annotations

import argparse
import logging
import os
import sqlite3
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from . import __version__
from .agenda import AgendaError
from .commands.agenda import cmd_agenda_check
from .commands.dashboard import cmd_dashboard, cmd_stage
from .commands.export import cmd_export
from .commands.options import (
    add_agenda_option,
    add_db_option,
    add_hub_options,
    add_switch,
    hub_config,
)
from .commands.run import cmd_run
from .commands.serve import cmd_serve
from .commands.topics import cmd_topics
from .dblock import StartError
from .logfilter import quiet_repeats
from .logs import LogFormatter
from .store import StoreError

# hub_config is here for the tests and for callers that build a hub from the options.
__all__ = ["add_hub_options", "build_parser", "hub_config", "main"]

EPILOG_SERVE = """\
examples:
  fireside serve                                   # default agenda, ./fireside.db, port 8765
  fireside serve --agenda talk.toml --db talk.db --port 9000 --token s3cret
  FIRESIDE_TOKEN=s3cret fireside serve --host 127.0.0.1

Attendees join from a phone at http://HOST:PORT/ (the page this hub serves), or from a
terminal with the pipx command it prints: until fireside-ask is on the package index, pipx
installs it from this hub (--published switches to the short `pipx run fireside-ask HOST`).
"""


EPILOG_RUN = """\
examples:
  fireside run                                     # default agenda, ./fireside.db, port 8765
  fireside run --agenda talk.toml --db talk.db
  fireside run --demo 20                           # twenty simulated attendees ask and vote

The dashboard connects to the hub over loopback, as the moderator. Quitting the dashboard
stops the hub.
"""

EPILOG_DASHBOARD = """\
examples:
  FIRESIDE_TOKEN=s3cret fireside dashboard ws://10.0.0.5:8765
  fireside dashboard talks.example.org --token s3cret

Prefer FIRESIDE_TOKEN to --token: command lines are visible to other users of the machine.
"""

EPILOG_STAGE = """\
examples:
  fireside stage 127.0.0.1          # on the laptop that drives the confidence monitor
  fireside stage ws://10.0.0.5:8765

Read-only: it shows the question on air (wrapped, given all the room it needs; the clock
shrinks to one line on a small terminal), the clock and the segment, never pending or
rejected questions. No token is needed.
"""


EPILOG_AGENDA = """\
examples:
  fireside agenda check examples/pycon-de-2026.toml

An agenda is a TOML file: a title, optional starts_at and speakers, and [[segment]] tables
with id, title, prompt, duration ("90s", "4m", "1h5m"), keywords and kind ("discussion" or
"qa"). Errors name the line and the field.
"""


EPILOG_EXPORT = """\
examples:
  fireside export                          # ./fireside.db to stdout
  fireside export --db talk.db -o talk.md
  fireside export --names --include-pending -o full-record.md

Works while the hub is running: it reads one consistent snapshot of the database.
Attendee text is escaped, so a question can never inject a link, image, HTML, heading,
list, table break or emphasis. The same database always gives the same bytes.
"""


EPILOG_TOPICS = """\
examples:
  fireside topics questions.txt                 # one suggested topic per line
  fireside topics --json questions.txt          # {"text", "topic", "duplicate_of"} per line
  fireside topics --agenda talk.toml --json questions.txt
  fireside topics --agenda talk.toml --explain questions.txt   # why each topic

Topics are the agenda's segment ids, or "other". duplicate_of is the 0-based index of an
earlier line that asks the same thing, or null. --explain adds, under each line, what
decided (a correction, unambiguous words, no words at all, or the model), and for the
likeliest topics their probability, the agenda words that matched (with weights) and the
model features that moved the score most: a topic that keeps losing for want of words
needs keywords. See docs/topics.md for the method and the feature names.
"""


URL_HELP = "ws://HOST:PORT, wss://..., or HOST[:PORT]"

Subcommands = argparse._SubParsersAction  # argparse's own name for what add_subparsers returns


def _subcommands(
    parser: argparse.ArgumentParser, dest: str
) -> Subcommands[argparse.ArgumentParser]:
    """The COMMAND a parser requires (``fireside COMMAND``, ``fireside agenda COMMAND``)."""
    return parser.add_subparsers(dest=dest, metavar="COMMAND", required=True)


@dataclass(frozen=True)
class _Command:
    """One subcommand: its line in the list, its help (examples kept as written), its body
    (``None`` for a command of commands), and what adds its own arguments."""

    name: str
    func: Callable[[argparse.Namespace], int] | None
    summary: str
    description: str
    epilog: str
    arguments: Callable[[argparse.ArgumentParser], None]


def _add(commands: Subcommands[argparse.ArgumentParser], command: _Command) -> None:
    """Add ``command`` to ``commands``, with its help and its arguments."""
    parser = commands.add_parser(
        command.name,
        help=command.summary,
        description=command.description,
        epilog=command.epilog,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    if command.func is not None:
        parser.set_defaults(func=command.func)
    command.arguments(parser)


def build_parser() -> argparse.ArgumentParser:
    """The ``fireside`` parser, with the commands of ``_COMMANDS`` in the order listed."""
    parser = argparse.ArgumentParser(
        prog="fireside",
        description="Run the live part of a talk: audience questions, moderation, "
        "and the segment clock.",
        epilog="Run 'fireside COMMAND --help' for the options and an example of each command.",
    )
    parser.add_argument("--version", action="version", version=f"fireside {__version__}")
    commands = _subcommands(parser, "command")
    for command in _COMMANDS:
        _add(commands, command)
    return parser


def _run_arguments(run: argparse.ArgumentParser) -> None:
    add_hub_options(run)
    run.add_argument(
        "--demo",
        type=int,
        default=0,
        metavar="N",
        help="add N simulated attendees who arrive over a minute, ask and vote",
    )


def _dashboard_arguments(dashboard: argparse.ArgumentParser) -> None:
    dashboard.add_argument("url", metavar="URL", help=URL_HELP)
    dashboard.add_argument(
        "--token",
        default=os.environ.get("FIRESIDE_TOKEN"),
        help="moderator token (default: $FIRESIDE_TOKEN; asked if missing)",
    )
    dashboard.add_argument(
        "--cafile",
        type=Path,
        metavar="PEM",
        help="trust this CA for wss:// (default: the system's CAs)",
    )


def _stage_arguments(stage: argparse.ArgumentParser) -> None:
    stage.add_argument("url", metavar="URL", help=URL_HELP)


def _agenda_arguments(agenda: argparse.ArgumentParser) -> None:
    """``fireside agenda`` takes a command of its own: ``check``."""
    _add(_subcommands(agenda, "agenda_command"), _AGENDA_CHECK)


def _agenda_check_arguments(check: argparse.ArgumentParser) -> None:
    check.add_argument("file", type=Path, metavar="FILE", help="the agenda TOML file")


def _export_arguments(export: argparse.ArgumentParser) -> None:
    add_db_option(export, "the session's database")
    export.add_argument(
        "-o", "--output", type=Path, metavar="FILE", help="write to FILE (default: standard output)"
    )
    add_switch(
        export,
        "names",
        ("--names", "show the names attendees gave"),
        ("--no-names", "leave attendee names out (the default)"),
        default=False,
    )
    export.add_argument(
        "--include-pending", action="store_true", help="also list questions that were never triaged"
    )


def _topics_arguments(topics: argparse.ArgumentParser) -> None:
    add_agenda_option(topics)
    topics.add_argument(
        "--json",
        action="store_true",
        help='one JSON object per line: {"text", "topic", "duplicate_of"}',
    )
    topics.add_argument(
        "--explain",
        action="store_true",
        help="also show why: the words and model features behind the likeliest topics "
        '(with --json, an "explain" object per line)',
    )
    topics.add_argument(
        "file", type=Path, metavar="QUESTIONS_FILE", help="a plain-text file, one question per line"
    )


_AGENDA_CHECK = _Command(
    "check",
    cmd_agenda_check,
    summary="validate an agenda file and print its plan",
    description="Validate an agenda file and print its plan: segments, durations and "
    "start times (when starts_at is given). Exits 2 with the line and field of the "
    "first problem.",
    epilog=EPILOG_AGENDA,
    arguments=_agenda_check_arguments,
)

# Every command, in the order ``fireside --help`` lists them.
_COMMANDS = (
    _Command(
        "serve",
        cmd_serve,
        summary="run the hub alone, headless (for a server)",
        description="Run the hub without a dashboard. It logs to stderr (each line starts "
        "with the time in ISO 8601 with its UTC offset) and stops cleanly on SIGINT or "
        "SIGTERM, closing connections with code 1001 so clients reconnect.",
        epilog=EPILOG_SERVE,
        arguments=add_hub_options,
    ),
    _Command(
        "run",
        cmd_run,
        summary="start the hub and open the moderator's dashboard on it (the everyday command)",
        description="Start the hub in-process and open the dashboard on it, over loopback. "
        "The hub's log goes to <db stem>.log beside the database (--db talk.db: talk.log); "
        "its lines start with the time in ISO 8601 with its UTC offset.",
        epilog=EPILOG_RUN,
        arguments=_run_arguments,
    ),
    _Command(
        "dashboard",
        cmd_dashboard,
        summary="open the dashboard on a hub that runs elsewhere",
        description="Open the moderator's dashboard on a running hub. If the hub refuses "
        "the token, the dashboard says why and asks for it again; giving up (esc) exits "
        "with status 1.",
        epilog=EPILOG_DASHBOARD,
        arguments=_dashboard_arguments,
    ),
    _Command(
        "stage",
        cmd_stage,
        summary="a read-only, large-type screen for the speakers",
        description="Show the current segment, the time left and the question on air, "
        "in large type, for the speakers.",
        epilog=EPILOG_STAGE,
        arguments=_stage_arguments,
    ),
    _Command(
        "agenda",
        None,
        summary="work with agenda files",
        description="Work with agenda files.",
        epilog=EPILOG_AGENDA,
        arguments=_agenda_arguments,
    ),
    _Command(
        "export",
        cmd_export,
        summary="write the session's record as Markdown",
        description="Write the record of the session as CommonMark: agenda with planned and "
        "actual times, the questions discussed in each segment, questions by topic, the "
        "unanswered ones for follow-up, and counts of rejected and merged ones.",
        epilog=EPILOG_EXPORT,
        arguments=_export_arguments,
    ),
    _Command(
        "topics",
        cmd_topics,
        summary="suggest the agenda topic of each question in a text file",
        description="Print the suggested topic (agenda segment id, or 'other') for each line "
        "of a plain-text file, and which earlier line asks the same thing.",
        epilog=EPILOG_TOPICS,
        arguments=_topics_arguments,
    ),
)


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    stderr = logging.StreamHandler(sys.stderr)
    stderr.setFormatter(LogFormatter())
    logging.basicConfig(
        level=logging.DEBUG if getattr(args, "verbose", False) else logging.INFO,
        handlers=[stderr],
    )
    logging.getLogger("fireside.ws").setLevel(logging.WARNING)
    for handler in logging.getLogger().handlers:
        quiet_repeats(handler)
    try:
        return int(args.func(args))
    except (AgendaError, StoreError, StartError) as exc:
        print(f"fireside: {exc}", file=sys.stderr)
        return 2
    except sqlite3.Error as exc:
        # A full disk or an unwritable directory at start: one line, not a traceback.
        where = getattr(args, "db", None)
        print(f"fireside: cannot use the database {where}: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"fireside: {exc.strerror or exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
