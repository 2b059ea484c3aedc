"""The options more than one command takes, those of the commands that start a hub (serve,
run), and the HubConfig made from them."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from fireside_ask.protocol import DEFAULT_PORT

from ..agenda import default_agenda, load_agenda
from ..hub import HubConfig
from ..hub.config import OPTIONS, option_help

DEFAULT_DB = Path("fireside.db")
"""The session's database when no --db is given: in the current directory."""


def add_agenda_option(parser: argparse.ArgumentParser) -> None:
    """--agenda FILE, for the commands that read an agenda (serve, run, topics)."""
    parser.add_argument(
        "--agenda",
        type=Path,
        metavar="FILE",
        help="agenda TOML file (default: the built-in reference session)",
    )


def add_db_option(parser: argparse.ArgumentParser, what: str) -> None:
    """--db FILE, for the commands that open a session's database (serve, run, export)."""
    parser.add_argument(
        "--db",
        type=Path,
        default=DEFAULT_DB,
        metavar="FILE",
        help=f"{what} (default: ./{DEFAULT_DB})",
    )


def add_switch(
    parser: argparse.ArgumentParser,
    dest: str,
    on: tuple[str, str],
    off: tuple[str, str],
    *,
    default: bool | None,
) -> None:
    """A yes/no setting as two flags, each (flag, help), of which one at most may be given."""
    group = parser.add_mutually_exclusive_group()
    group.add_argument(on[0], dest=dest, action="store_true", default=default, help=on[1])
    group.add_argument(off[0], dest=dest, action="store_false", help=off[1])


def add_hub_options(parser: argparse.ArgumentParser) -> None:
    """Add the options of a command that starts a hub (serve and run share them)."""
    add_agenda_option(parser)
    add_db_option(parser, "SQLite database of the session")
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
    # None: neither flag given, so the setting stored in the database stands.
    add_switch(
        parser,
        "auto_approve",
        ("--auto-approve", "show questions without moderation"),
        ("--moderate", "hold questions for the moderator (the default)"),
        default=None,
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
    """The hub's configuration from the parsed options of serve or run."""
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
