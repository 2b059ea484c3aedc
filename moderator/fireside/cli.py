"""The ``fireside`` command: every moderator-side subcommand, with help and examples."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import signal
import sqlite3
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

from fireside_ask.protocol import DEFAULT_PORT

from . import __version__
from .agenda import AgendaError, default_agenda, load_agenda
from .dblock import StartError
from .hub import Hub, HubConfig
from .hub.config import OPTIONS, option_help
from .logfilter import quiet_repeats
from .logs import LogFormatter, log_path
from .store import StoreError

log = logging.getLogger("fireside")

EPILOG_SERVE = """\
examples:
  fireside serve                                   # default agenda, ./fireside.db, port 8765
  fireside serve --agenda talk.toml --db talk.db --port 9000 --token s3cret
  FIRESIDE_TOKEN=s3cret fireside serve --host 127.0.0.1

Attendees join from a phone at http://HOST:PORT/ (the page this hub serves), or from a
terminal with the pipx command it prints: until fireside-ask is on the package index, pipx
installs it from this hub (--published switches to the short `pipx run fireside-ask HOST`).
"""


def add_hub_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--agenda",
        type=Path,
        metavar="FILE",
        help="agenda TOML file (default: the built-in reference session)",
    )
    parser.add_argument(
        "--db",
        type=Path,
        default=Path("fireside.db"),
        metavar="FILE",
        help="SQLite database of the session (default: ./fireside.db)",
    )
    parser.add_argument(
        "--host", default=None, help="interface to listen on (default: all interfaces)"
    )
    parser.add_argument(
        "--port",
        type=int,
        default=DEFAULT_PORT,
        help=f"TCP port (default: {DEFAULT_PORT}; 0 picks a free one)",
    )
    parser.add_argument(
        "--token",
        default=os.environ.get("FIRESIDE_TOKEN"),
        help="moderator token (default: $FIRESIDE_TOKEN, else the one stored "
        "in the database, else a new one, printed once at start)",
    )
    approve = parser.add_mutually_exclusive_group()
    approve.add_argument(
        "--auto-approve",
        dest="auto_approve",
        action="store_true",
        default=None,
        help="show questions without moderation",
    )
    approve.add_argument(
        "--moderate",
        dest="auto_approve",
        action="store_false",
        help="hold questions for the moderator (the default)",
    )
    # The numeric limits: flag, default and help come from HubConfig (config.OPTIONS).
    for option in OPTIONS:
        parser.add_argument(
            option.flag,
            type=int,
            default=option.default,
            metavar=option.metavar,
            help=option_help(option),
        )
    parser.add_argument(
        "--allow-origin",
        action="append",
        default=[],
        metavar="ORIGIN",
        help="browser origin allowed to connect, e.g. https://example.org "
        "(repeatable; terminal clients send no Origin and are always allowed)",
    )
    parser.add_argument(
        "--published",
        action="store_true",
        help="fireside-ask is on the package index: print the short `pipx run fireside-ask "
        "HOST` join command instead of installing from the wheel this hub serves",
    )
    parser.add_argument(
        "--certfile",
        type=Path,
        metavar="PEM",
        help="serve wss:// with this TLS certificate (with --keyfile)",
    )
    parser.add_argument("--keyfile", type=Path, metavar="PEM", help="the private key of --certfile")
    parser.add_argument("-v", "--verbose", action="store_true", help="log every connection")


def hub_config(args: argparse.Namespace) -> HubConfig:
    if (args.certfile is None) != (args.keyfile is None):
        raise SystemExit("fireside: --certfile and --keyfile go together")
    agenda = load_agenda(args.agenda) if args.agenda else default_agenda()
    return HubConfig(
        db_path=args.db,
        agenda=agenda,
        host=args.host,
        port=args.port,
        token=args.token or None,
        auto_approve=args.auto_approve,
        **{option.field: getattr(args, option.field) for option in OPTIONS},
        allowed_origins=tuple(args.allow_origin),
        published=args.published,
        certfile=args.certfile,
        keyfile=args.keyfile,
    )


async def _serve(config: HubConfig) -> None:
    hub = Hub(config)
    await hub.start()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    print(f"Fireside hub for {config.agenda.title!r}", flush=True)
    print(f"  listening on port {hub.port}, database {config.db_path}", flush=True)
    print(f"  attendees open: {hub.page_url()}", flush=True)
    print(f"  or join from a terminal with: {hub.join_command()}", flush=True)
    if hub.token_generated:
        print(f"  moderator token: {hub.token}", flush=True)
    try:
        await stop.wait()
    finally:
        log.info("stopping: closing connections")
        await hub.close()


def cmd_serve(args: argparse.Namespace) -> int:
    config = hub_config(args)
    asyncio.run(_serve(config))
    return 0


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


def _url(target: str) -> str:
    from fireside_ask.protocol import normalize_url

    try:
        return normalize_url(target)
    except ValueError as exc:
        raise SystemExit(f"fireside: {exc}") from None


def cmd_run(args: argparse.Namespace) -> int:
    from .dashboard.app import make_app
    from .runner import HubThread

    config = hub_config(args)
    extra = None
    if args.demo:
        from .demo import run_demo

        count = args.demo

        async def extra(hub: Hub) -> None:
            scheme = "wss" if config.certfile else "ws"
            await run_demo(f"{scheme}://127.0.0.1:{hub.port}", count, insecure_loopback=True)

    # Keep the log off the screen the dashboard draws on.
    _log_to_file(log_path(args.db))
    runner = HubThread(config, extra)
    hub = runner.start()
    tls = config.certfile is not None
    loopback_tls = None
    if tls:
        import ssl

        # The dashboard talks to its own hub over loopback: encrypted, but there is no
        # name to check a certificate against, and both ends are this process.
        loopback_tls = ssl.create_default_context()
        loopback_tls.check_hostname = False
        loopback_tls.verify_mode = ssl.CERT_NONE
    try:
        app = make_app(
            f"{'wss' if tls else 'ws'}://127.0.0.1:{hub.port}",
            hub.token,
            join_command=hub.join_command(),
            join_url=hub.page_url(),
            ssl_context=loopback_tls,
            record_dir=config.db_path.resolve().parent,
            quit_question="Quit Fireside? The hub stops and attendees are disconnected.",
            max_chars=config.max_chars,
        )
        app.run()
    finally:
        runner.stop()
    if app.record_written is not None:
        print(f"Session record: {app.record_written}")
    if hub.token_generated:
        print(f"Moderator token (kept in {config.db_path}): {hub.token}")
    return 0


def _log_to_file(path: Path) -> None:
    root = logging.getLogger()
    for handler in list(root.handlers):
        root.removeHandler(handler)
    # delay: a hub that cannot start (port taken, database in use) leaves no log behind.
    handler = logging.FileHandler(path, encoding="utf-8", delay=True)
    handler.setFormatter(LogFormatter())
    root.addHandler(quiet_repeats(handler))
    # A log that cannot be written (a full disk) must not print tracebacks over the
    # dashboard: the hub goes on without its log, as the stdlib advises for production.
    logging.raiseExceptions = False


def cmd_dashboard(args: argparse.Namespace) -> int:
    from .dashboard.app import make_app

    token = args.token
    if not token:
        import getpass

        if not sys.stdin.isatty():
            raise SystemExit("fireside: give the moderator token with FIRESIDE_TOKEN or --token")
        token = getpass.getpass("Moderator token: ")
    url = _url(args.url)
    context = None
    if args.cafile is not None:
        import ssl

        context = ssl.create_default_context(cafile=str(args.cafile))
    # No join command: the header shows the one the hub sends, with its LAN address.
    app = make_app(url, token, ssl_context=context)
    app.run()
    # Non-zero when the moderator gave up on a refused token (the app said why).
    return app.return_code or 0


def cmd_stage(args: argparse.Namespace) -> int:
    from .dashboard.stage import StageApp

    StageApp(_url(args.url)).run()
    return 0


EPILOG_AGENDA = """\
examples:
  fireside agenda check examples/pycon-de-2026.toml

An agenda is a TOML file: a title, optional starts_at and speakers, and [[segment]] tables
with id, title, prompt, duration ("90s", "4m", "1h5m"), keywords and kind ("discussion" or
"qa"). Errors name the line and the field.
"""


def cmd_agenda_check(args: argparse.Namespace) -> int:
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    from .agenda import format_duration, plan_rows

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


EPILOG_EXPORT = """\
examples:
  fireside export                          # ./fireside.db to stdout
  fireside export --db talk.db -o talk.md
  fireside export --names --include-pending -o full-record.md

Works while the hub is running: it reads one consistent snapshot of the database.
Attendee text is escaped, so a question can never inject a link, image, HTML, heading,
list, table break or emphasis. The same database always gives the same bytes.
"""


def cmd_export(args: argparse.Namespace) -> int:
    from .export import render_export

    if not args.db.exists():
        raise SystemExit(f"fireside: {args.db} does not exist")
    markdown = render_export(args.db, names=args.names, include_pending=args.include_pending)
    if args.output is None or str(args.output) == "-":
        sys.stdout.write(markdown)
    else:
        args.output.write_text(markdown, encoding="utf-8")
        print(f"wrote {args.output}", file=sys.stderr)
    return 0


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


def cmd_topics(args: argparse.Namespace) -> int:
    import json

    from .topics import suggest_lines

    agenda = load_agenda(args.agenda) if args.agenda else default_agenda()
    try:
        lines = args.file.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise SystemExit(f"fireside: cannot read {args.file}: {exc.strerror}") from None
    for row in suggest_lines(lines, agenda, explain=args.explain):
        if args.json:
            print(json.dumps(row, ensure_ascii=False))
        else:
            duplicate = (
                "" if row["duplicate_of"] is None else f"  (same as line {row['duplicate_of'] + 1})"
            )
            print(f"{row['topic']}\t{row['text']}{duplicate}")
            if "explain" in row:
                print(_explanation(row["explain"]))
    return 0


_DECIDED_BY = {
    "correction": "a question the moderator filed, reworded",
    "words": "the agenda's words, unambiguous",
    "no words": "no topic's words (the agenda has a curated vocabulary)",
    "model": "the model (words and meaning)",
}


def _explanation(explain: dict[str, Any]) -> str:
    """The indented lines under a question in ``fireside topics --explain``."""
    lines = [f"    decided by {_DECIDED_BY[explain['decided_by']]}"]
    for candidate in explain["candidates"]:
        words = ", ".join(f"{w} {weight:g}" for w, weight in candidate["words"]) or "none"
        features = ", ".join(f"{k} {v:+g}" for k, v in candidate["features"].items())
        lines.append(
            f"    {candidate['topic']} {candidate['probability']:.2f}: words {words}; "
            f"features {features or 'none'}"
        )
    return "\n".join(lines)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="fireside",
        description="Run the live part of a talk: audience questions, moderation, "
        "and the segment clock.",
        epilog="Run 'fireside COMMAND --help' for the options and an example of each command.",
    )
    parser.add_argument("--version", action="version", version=f"fireside {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    serve = commands.add_parser(
        "serve",
        help="run the hub alone, headless (for a server)",
        description="Run the hub without a dashboard. It logs to stderr (each line starts "
        "with the time in ISO 8601 with its UTC offset) and stops cleanly on SIGINT or "
        "SIGTERM, closing connections with code 1001 so clients reconnect.",
        epilog=EPILOG_SERVE,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_hub_options(serve)
    serve.set_defaults(func=cmd_serve)

    run = commands.add_parser(
        "run",
        help="start the hub and open the moderator's dashboard on it (the everyday command)",
        description="Start the hub in-process and open the dashboard on it, over loopback. "
        "The hub's log goes to <db stem>.log beside the database (--db talk.db: talk.log); "
        "its lines start with the time in ISO 8601 with its UTC offset.",
        epilog=EPILOG_RUN,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_hub_options(run)
    run.add_argument(
        "--demo",
        type=int,
        default=0,
        metavar="N",
        help="add N simulated attendees who arrive over a minute, ask and vote",
    )
    run.set_defaults(func=cmd_run)

    dashboard = commands.add_parser(
        "dashboard",
        help="open the dashboard on a hub that runs elsewhere",
        description="Open the moderator's dashboard on a running hub. If the hub refuses "
        "the token, the dashboard says why and asks for it again; giving up (esc) exits "
        "with status 1.",
        epilog=EPILOG_DASHBOARD,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    dashboard.add_argument("url", metavar="URL", help="ws://HOST:PORT, wss://..., or HOST[:PORT]")
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
    dashboard.set_defaults(func=cmd_dashboard)

    stage = commands.add_parser(
        "stage",
        help="a read-only, large-type screen for the speakers",
        description="Show the current segment, the time left and the question on air, "
        "in large type, for the speakers.",
        epilog=EPILOG_STAGE,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    stage.add_argument("url", metavar="URL", help="ws://HOST:PORT, wss://..., or HOST[:PORT]")
    stage.set_defaults(func=cmd_stage)

    agenda = commands.add_parser(
        "agenda",
        help="work with agenda files",
        description="Work with agenda files.",
        epilog=EPILOG_AGENDA,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    agenda_commands = agenda.add_subparsers(dest="agenda_command", metavar="COMMAND", required=True)
    check = agenda_commands.add_parser(
        "check",
        help="validate an agenda file and print its plan",
        description="Validate an agenda file and print its plan: segments, durations and "
        "start times (when starts_at is given). Exits 2 with the line and field of the "
        "first problem.",
        epilog=EPILOG_AGENDA,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    check.add_argument("file", type=Path, metavar="FILE", help="the agenda TOML file")
    check.set_defaults(func=cmd_agenda_check)

    export = commands.add_parser(
        "export",
        help="write the session's record as Markdown",
        description="Write the record of the session as CommonMark: agenda with planned and "
        "actual times, the questions discussed in each segment, questions by topic, the "
        "unanswered ones for follow-up, and counts of rejected and merged ones.",
        epilog=EPILOG_EXPORT,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    export.add_argument(
        "--db",
        type=Path,
        default=Path("fireside.db"),
        metavar="FILE",
        help="the session's database (default: ./fireside.db)",
    )
    export.add_argument(
        "-o", "--output", type=Path, metavar="FILE", help="write to FILE (default: standard output)"
    )
    names = export.add_mutually_exclusive_group()
    names.add_argument(
        "--names",
        dest="names",
        action="store_true",
        default=False,
        help="show the names attendees gave",
    )
    names.add_argument(
        "--no-names",
        dest="names",
        action="store_false",
        help="leave attendee names out (the default)",
    )
    export.add_argument(
        "--include-pending", action="store_true", help="also list questions that were never triaged"
    )
    export.set_defaults(func=cmd_export)

    topics = commands.add_parser(
        "topics",
        help="suggest the agenda topic of each question in a text file",
        description="Print the suggested topic (agenda segment id, or 'other') for each line "
        "of a plain-text file, and which earlier line asks the same thing.",
        epilog=EPILOG_TOPICS,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    topics.add_argument(
        "--agenda",
        type=Path,
        metavar="FILE",
        help="agenda TOML file (default: the built-in reference session)",
    )
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
    topics.set_defaults(func=cmd_topics)
    return parser


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
