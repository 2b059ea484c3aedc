"""``fireside topics``: the suggested topic of each line of a text file, and why."""

from __future__ import annotations

import argparse
from typing import Any

from ..agenda import default_agenda, load_agenda


def cmd_topics(args: argparse.Namespace) -> int:
    import json

    from ..topics import suggest_lines

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
