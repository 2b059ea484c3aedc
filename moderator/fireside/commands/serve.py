"""``fireside serve``: the hub alone, headless, until SIGINT or SIGTERM."""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal

from ..hub import HubConfig
from .options import hub_config

log = logging.getLogger("fireside")


async def _serve(config: HubConfig) -> None:
    # Imported here: the server brings the topic models and numpy, which the other commands
    # (the dashboard above all) do not need to start.
    from ..hub.server import Hub

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
