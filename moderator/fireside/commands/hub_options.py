"""The options of the commands that start a hub (serve, run), and the HubConfig from them."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from fireside_ask.protocol import DEFAULT_PORT

from ..agenda import default_agenda, load_agenda
from ..hub import HubConfig
from ..hub.config import OPTIONS, option_help


def add_hub_options(parser: argparse.ArgumentParser) -> None:
    """Add the options of a command that starts a hub (serve and run share them)."""
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
