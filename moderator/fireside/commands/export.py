"""``fireside export``: the session's record as Markdown, from its database."""

from __future__ import annotations

import argparse
import sys


def cmd_export(args: argparse.Namespace) -> int:
    from ..export import render_export

    if not args.db.exists():
        raise SystemExit(f"fireside: {args.db} does not exist")
    markdown = render_export(args.db, names=args.names, include_pending=args.include_pending)
    if args.output is None or str(args.output) == "-":
        sys.stdout.write(markdown)
    else:
        args.output.write_text(markdown, encoding="utf-8")
        print(f"wrote {args.output}", file=sys.stderr)
    return 0
