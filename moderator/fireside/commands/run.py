"""``fireside run``: the hub in a thread and the moderator's dashboard on it."""

from __future__ import annotations

import argparse
import logging
from pathlib import Path
from typing import TYPE_CHECKING

from ..logfilter import quiet_repeats
from ..logs import LogFormatter, log_path
from .options import hub_config

if TYPE_CHECKING:
    from ..hub import Hub


def cmd_run(args: argparse.Namespace) -> int:
    from ..dashboard.app import make_app
    from ..runner import HubThread

    config = hub_config(args)
    extra = None
    if args.demo:
        from ..demo import run_demo

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
