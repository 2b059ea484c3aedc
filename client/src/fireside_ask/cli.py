"""The ``fireside-ask`` command: ask a question at a talk from any terminal.

This module is imported on every start, ``--help`` included, so it imports only light
standard-library modules at the top; ``websockets``, ``rich`` and ``asyncio`` are imported
inside the functions that use them. That keeps ``pipx run fireside-ask --help`` instant.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import TYPE_CHECKING

from . import __version__

if TYPE_CHECKING:
    import ssl as ssl_module

EXIT_OK = 0
EXIT_REFUSED = 1
"""The hub said no: rate limited, too long, empty, not allowed, unknown question ..."""
EXIT_USAGE = 2
EXIT_UNREACHABLE = 3
"""No hub there: unreachable, timed out, or the server is not a Fireside hub."""
EXIT_BUG = 4
EXIT_INTERRUPTED = 130

URL_ENV = "FIRESIDE_HUB"

DESCRIPTION = """\
Send questions to the speakers of a talk that runs Fireside, and vote for the ones you
want answered. Without --ask, --list or --vote it runs interactively: type a question and
press Enter."""

EPILOG = f"""\
examples:
  fireside-ask 192.168.1.20                    # join the talk, type questions interactively
  fireside-ask 192.168.1.20 --name Ada         # ... under a name instead of anonymously
  fireside-ask 192.168.1.20 --ask "What about Qwen?"    # prints #12 once the hub has it
  fireside-ask talks.example.org:9000 --list   # the questions, their votes and state
  fireside-ask wss://talks.example.org --vote 12
  fireside-ask wss://hub.lan --cafile ca.pem --list     # a hub with its own certificate

URL is ws://HOST:PORT, wss://HOST[:PORT] or just HOST[:PORT] (default port 8765).
It can also come from ${URL_ENV}.

exit codes:
  0    done (for --ask: the hub confirmed the question)
  1    the hub refused: rate limited, too long, empty, no such question, not allowed
  2    usage error (bad option, address or --cafile)
  3    hub unreachable, no answer in time, or not a Fireside hub
  4    an unexpected error inside fireside-ask (please report it)
  130  interrupted (Ctrl-C)

Your id for each hub and any question not yet confirmed are kept in
~/.config/fireside-ask/ (or $XDG_CONFIG_HOME, %APPDATA%, ~/Library/Application Support);
set FIRESIDE_ASK_CONFIG_DIR to keep them elsewhere."""


class UsageError(Exception):
    """A problem with the command line, reported with exit code 2."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="fireside-ask",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "url",
        nargs="?",
        metavar="URL",
        help=f"the hub: HOST[:PORT], ws://... or wss://... (default: ${URL_ENV})",
    )
    parser.add_argument(
        "--name", help="show this name with your questions (default: anonymous)"
    )
    what = parser.add_mutually_exclusive_group()
    what.add_argument(
        "--ask",
        metavar="TEXT",
        help="send one question, print its number (#ID) and exit",
    )
    what.add_argument(
        "--list",
        action="store_true",
        help="print the visible questions (id, votes, state, text) and exit",
    )
    what.add_argument(
        "--vote", type=int, metavar="ID", help="vote for question ID and exit"
    )
    what.add_argument(
        "--unvote",
        type=int,
        metavar="ID",
        help="take back your vote for question ID and exit",
    )
    parser.add_argument(
        "--cafile",
        metavar="FILE",
        help="trust the CA certificates in FILE (PEM) for a wss:// hub",
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=15.0,
        metavar="SECONDS",
        help="one-shot commands give up after this long (default: 15)",
    )
    parser.add_argument(
        "--version", action="version", version=f"fireside-ask {__version__}"
    )
    return parser


def _fail(message: str) -> None:
    text = " ".join(str(message).split())  # one line, whatever the message held
    try:
        print(f"fireside-ask: {text}", file=sys.stderr, flush=True)
    except (OSError, ValueError):
        pass


def _ssl_context(url: str, cafile: str | None) -> ssl_module.SSLContext | None:
    if not url.startswith("wss://"):
        if cafile:
            raise UsageError("--cafile is for wss:// addresses only.")
        return None
    import ssl

    try:
        return ssl.create_default_context(cafile=cafile)
    except FileNotFoundError:
        raise UsageError(f"--cafile {cafile}: no such file.") from None
    except (OSError, ssl.SSLError, ValueError) as exc:
        raise UsageError(
            f"--cafile {cafile}: not a readable PEM certificate file "
            f"({getattr(exc, 'strerror', None) or exc})."
        ) from None


def _hub_url(given: str | None, *, may_prompt: bool) -> str:
    """The hub's websocket URL: from the argument, $FIRESIDE_HUB, or asked for at a terminal."""
    from .protocol import normalize_url

    target = given or os.environ.get(URL_ENV, "")
    if not target.strip():
        if not may_prompt or not sys.stdin.isatty():
            raise UsageError(
                "which hub? Give its address, e.g. fireside-ask 192.168.1.20"
            )
        target = input("Hub address (as the speaker showed it, e.g. 192.168.1.20): ")
    try:
        return normalize_url(target)
    except ValueError as exc:
        raise UsageError(str(exc)) from None


def _attendee_name(given: str | None) -> str | None:
    """The --name as the hub would store it, or None to stay anonymous."""
    if not given:
        return None
    from .protocol import MAX_NAME_CHARS
    from .text import clean_name

    return clean_name(given, MAX_NAME_CHARS) or None


def _run(args: argparse.Namespace) -> int:
    oneshot = (
        args.ask is not None
        or args.list
        or args.vote is not None
        or args.unvote is not None
    )
    url = _hub_url(args.url, may_prompt=not oneshot)
    if not args.timeout > 0:
        raise UsageError("--timeout must be more than 0 seconds.")
    ssl = _ssl_context(url, args.cafile)
    name = _attendee_name(args.name)

    import asyncio

    from .config import Config

    config = Config()
    client_id = config.client_id(url)
    if oneshot:
        from .oneshot import run_oneshot

        vote = args.vote if args.vote is not None else args.unvote
        return asyncio.run(
            run_oneshot(
                url,
                client_id,
                ask=args.ask,
                vote=vote,
                up=args.unvote is None,
                name=name,
                ssl=ssl,
                timeout=args.timeout,
            )
        )
    from .interactive import run_interactive
    from .render import make_console

    return asyncio.run(
        run_interactive(
            url,
            client_id,
            console=make_console(),
            config=config,
            name=name,
            ssl=ssl,
        )
    )


def main(argv: list[str] | None = None) -> int:
    """Run the command; return its exit code. Never lets a traceback reach the attendee."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, --version, or a usage error already printed
        return exc.code if isinstance(exc.code, int) else EXIT_USAGE
    try:
        return _run(args)
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    except UsageError as exc:
        _fail(str(exc))
        return EXIT_USAGE
    except BrokenPipeError:
        # The reader went away (``| head``): say nothing, and stop Python's own complaint.
        try:
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        except (OSError, ValueError):
            pass
        return EXIT_OK
    except Exception as exc:  # noqa: BLE001 - the attendee gets one line, never a traceback
        from .session import SessionError

        if isinstance(exc, SessionError):
            _fail(exc.message)
            return exc.exit_code
        if isinstance(exc, EOFError):  # no answer to the address prompt
            return EXIT_USAGE
        _fail(f"unexpected error: {type(exc).__name__}: {exc} (please report this)")
        return EXIT_BUG
