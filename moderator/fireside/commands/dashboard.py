"""``fireside dashboard`` and ``fireside stage``: the screens on a hub that runs elsewhere."""

from __future__ import annotations

import argparse
import sys


def _url(target: str) -> str:
    from fireside_ask.protocol import normalize_url

    try:
        return normalize_url(target)
    except ValueError as exc:
        raise SystemExit(f"fireside: {exc}") from None


def cmd_dashboard(args: argparse.Namespace) -> int:
    from ..dashboard.app import make_app

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
    from ..dashboard.stage import StageApp

    StageApp(_url(args.url)).run()
    return 0
