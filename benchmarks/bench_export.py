"""How long ``fireside export`` takes on a large session (the target: 10,000 questions < 2 s).

    .venv/bin/python benchmarks/bench_export.py --questions 10000 --runs 3

Writes a database straight through ``fireside.store`` (no hub): the reference agenda, a
finished segment clock, and ``--questions`` questions in every state, with topics, merges,
edits, names and about five votes each, texts of 6-60 words with some Markdown in them.
Then times ``render_export`` (with names and pending questions, the largest output) over
``--runs`` runs, and prints each run, the median and the machine's CPU count.
Not part of ``make test`` (``tests/test_export.py`` runs a tiny one so that it cannot rot).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from fireside.agenda import default_agenda  # noqa: E402
from fireside.export import render_export  # noqa: E402
from fireside.room import Question  # noqa: E402
from fireside.store import Store, event_write, meta_write, question_write, vote_write  # noqa: E402

WORDS = (
    "qwen llama deepseek mistral agents bias gpu europe rag quantisation benchmark latency "
    "licence training inference production cost open closed model *bold* `code` [link](x) "
    "https://example.org <b>tag</b> a|b 1. # 中文 日本語 🤖"
).split()
STATES = ("pending", "approved", "approved", "answered", "answered", "rejected")


def populate(db: Path, count: int, seed: int = 1) -> None:
    """Write a finished session with ``count`` questions straight into a new store."""
    rng = random.Random(seed)
    agenda = default_agenda()
    start = agenda.starts_at.timestamp() if agenda.starts_at else 1_776_155_400.0
    store = Store(db)
    writes = [
        meta_write("agenda", json.dumps(agenda.to_wire())),
        meta_write("peak_connected", str(count // 3)),
        meta_write("token", "bench-token-never-exported"),
        event_write(start, "clock.start", {}),
    ]
    edges, moment = [], start
    for segment in agenda.segments:
        moment += segment.duration + rng.randint(-60, 90)
        edges.append((segment.id, moment))
        writes.append(event_write(moment, "clock.next", {}))
    ids = [segment.id for segment in agenda.segments]
    for i in range(1, count + 1):
        text = " ".join(rng.choice(WORDS) for _ in range(rng.randint(6, 60)))
        state = rng.choice(STATES)
        created = start + (edges[-1][1] - start) * i / count
        segment = next((sid for sid, end in edges if created < end), None)
        merged_into = rng.randint(1, i - 1) if i > 10 and rng.random() < 0.05 else None
        question = Question(
            id=i,
            client_id=f"bench-{i % (count // 2 + 1):06d}",
            request_id=f"r{i}",
            text=text,
            original_text=text if rng.random() < 0.9 else text + " (before an edit)",
            state=state,
            created_at=created,
            name=rng.choice([None, "Ada", "Grace", "Linus", "名前"]),
            segment=segment,
            topic=rng.choice([None, None, "other", "licensing", *ids]),
            merged_into=merged_into,
            approved_at=created + 5 if state != "pending" else None,
            on_air_at=created + 30 if state == "answered" else None,
            on_air_segment=segment if state == "answered" else None,
            answered_at=created + 90 if state == "answered" else None,
            suggested_topic=rng.choice(ids),
        )
        writes.append(question_write(question))
        for voter in rng.sample(range(count), rng.randint(0, 10)):
            writes.append(vote_write(i, f"voter-{voter}", True, created + 10))
    store.commit(writes)
    store.close()


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--questions", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "bench.db"
        began = time.perf_counter()
        populate(db, args.questions)
        print(f"wrote {args.questions} questions in {time.perf_counter() - began:.2f} s")
        times, size = [], 0
        for run in range(args.runs):
            began = time.perf_counter()
            markdown = render_export(db, names=True, include_pending=True)
            times.append(time.perf_counter() - began)
            size = len(markdown.encode("utf-8"))
            print(f"run {run + 1}: export {times[-1]:.3f} s, {size:,} bytes")
    report = {
        "questions": args.questions,
        "runs": args.runs,
        "median_s": round(statistics.median(times), 3),
        "bytes": size,
        "cpus": os.cpu_count(),
    }
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
