"""Dashboard responsiveness with a large session, against a real hub.

    .venv/bin/python benchmarks/bench_dashboard.py --questions 2000 --runs 3

Measures, headless (Textual's Pilot), with the hub on its own thread as in ``fireside run``:

- open: from starting the app to the first full screen with every question loaded;
- keypress → repaint: a cursor move (``down``) until the screen has been refreshed;
- arriving question: an attendee's ask until it is a row in the inbox;
- vote burst: 300 attendees (``--voters``) vote at once until the queue shows every count.

``open`` starts with the app, its modules already imported; ``imports_s`` (printed beside
the medians) is what a fresh interpreter spends importing what ``fireside run`` loads
before it (``fireside.cli`` and the dashboard), the median of ``--runs`` interpreters.

Prints one line per run and the medians. Not part of ``make test`` (see ``tests/
test_benchmarks_smoke.py`` for the tiny run that keeps it from rotting).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from websockets.asyncio.client import connect  # noqa: E402

from fireside.dashboard.app import make_app  # noqa: E402
from fireside.hub import HubConfig  # noqa: E402
from fireside.room import Question  # noqa: E402
from fireside.runner import HubThread  # noqa: E402
from fireside.store import Store, question_write, vote_write  # noqa: E402
from fireside_ask import protocol as p  # noqa: E402

TOKEN = "bench-token"
WORDS = (
    "qwen llama deepseek mistral agents bias gpu europe rag quantisation benchmark latency "
    "licence training inference production cost open closed model"
).split()


def populate(db: Path, count: int, seed: int = 1) -> None:
    """Write ``count`` questions (half approved, some voted) straight into a new store."""
    rng = random.Random(seed)
    store = Store(db)
    writes = []
    start = time.time() - 3600
    for i in range(1, count + 1):
        text = " ".join(rng.choice(WORDS) for _ in range(rng.randint(6, 30))).capitalize() + "?"
        state = "approved" if i % 2 else "pending"
        question = Question(
            id=i,
            client_id=f"bench-{i:06d}",
            request_id="r1",
            text=text,
            original_text=text,
            state=state,
            created_at=start + i,
        )
        writes.append(question_write(question))
        if state == "approved":
            for v in range(rng.randint(0, 5)):
                writes.append(vote_write(i, f"voter-{v}", True, start + i))
    store.commit(writes)
    store.close()


async def settle(pilot: Any, condition: Any, step: float = 0.002, within: float = 60.0) -> None:
    """Let the app run until ``condition()`` holds; give up loudly after ``within`` s."""
    deadline = time.perf_counter() + within
    while not condition():
        if time.perf_counter() > deadline:
            raise TimeoutError("the dashboard did not get there in time")
        await pilot.pause(step)


async def hello(url: str) -> Any:
    ws = await connect(url, max_size=None)
    await ws.send(json.dumps(p.hello("attendee", uuid.uuid4().hex)))
    await ws.recv()
    return ws


async def measure(url: str, count: int, voters_count: int = 300) -> dict[str, float]:
    app = make_app(url, TOKEN, join_command="pipx run fireside-ask 192.0.2.1")
    started = time.perf_counter()
    async with app.run_test(size=(120, 35)) as pilot:
        table = app.dashboard.query_one("#inbox")
        queue = app.dashboard.query_one("#queue")
        await settle(pilot, lambda: app.model.ready and table.row_count and queue.row_count)
        await pilot.pause()
        opened = time.perf_counter() - started

        # Keypress to repaint: stamp every screen refresh with the cursor row it showed,
        # and take the first refresh that shows the moved cursor.
        screen = app.screen
        refreshes: list[tuple[float, int]] = []
        original = screen._compositor_refresh

        def stamped() -> None:
            original()
            refreshes.append((time.perf_counter(), table.cursor_row))

        screen._compositor_refresh = stamped  # type: ignore[method-assign]
        presses = []
        for _ in range(20):
            key = "down" if table.cursor_row + 1 < table.row_count else "up"
            target = table.cursor_row + (1 if key == "down" else -1)
            if key == "up":  # at the end of a short list: start again from the top
                table.move_cursor(row=0, animate=False)
                await pilot.pause(0.05)
                key, target = "down", 1
            t0 = time.perf_counter()
            await pilot.press(key)
            await settle(
                pilot,
                lambda t0=t0, target=target: any(t > t0 and row == target for t, row in refreshes),
                0.001,
            )
            shown = min(t for t, row in refreshes if t > t0 and row == target)
            presses.append(shown - t0)
            await pilot.pause(0.05)
        screen._compositor_refresh = original  # type: ignore[method-assign]

        attendee = await hello(url)
        t0 = time.perf_counter()
        await attendee.send(
            json.dumps(
                {"type": "ask", "request_id": "a1", "text": "A brand new question about Qwen?"}
            )
        )
        new_id = count + 1
        await settle(pilot, lambda: new_id in table._rows)  # type: ignore[attr-defined]
        arrival = time.perf_counter() - t0
        await attendee.close()

        voters = await asyncio.gather(*(hello(url) for _ in range(voters_count)))
        targets = [q["id"] for q in app.model.queue()[:30]]
        expected = {qid: app.model.questions[qid]["votes"] for qid in targets}
        for i in range(len(voters)):
            expected[targets[i % len(targets)]] += 1
        t0 = time.perf_counter()
        await asyncio.gather(
            *(
                ws.send(json.dumps({"type": "vote", "question_id": targets[i % len(targets)]}))
                for i, ws in enumerate(voters)
            )
        )
        await settle(
            pilot, lambda: all(app.model.questions[q]["votes"] == n for q, n in expected.items())
        )
        await pilot.pause()
        burst = time.perf_counter() - t0
        await asyncio.gather(*(ws.close() for ws in voters))
    return {
        "open_s": opened,
        "keypress_repaint_ms_median": statistics.median(presses) * 1000,
        "keypress_repaint_ms_max": max(presses) * 1000,
        "arriving_question_ms": arrival * 1000,
        "vote_burst_ms": burst * 1000,
    }


def import_seconds(runs: int) -> float:
    """Median seconds a fresh interpreter spends importing the command and the dashboard."""
    code = (
        "import time; t = time.perf_counter(); import fireside.cli, fireside.dashboard.app; "
        "print(time.perf_counter() - t)"
    )
    times = [
        float(subprocess.run([sys.executable, "-c", code], capture_output=True, check=True).stdout)
        for _ in range(runs)
    ]
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--questions", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--voters", type=int, default=300, help="attendees in the vote burst")
    args = parser.parse_args()
    results = []
    for run in range(args.runs):
        with tempfile.TemporaryDirectory() as tmp:
            db = Path(tmp) / "bench.db"
            populate(db, args.questions)
            config = HubConfig(
                db_path=db, host="127.0.0.1", port=0, token=TOKEN, votes_per_minute=1000
            )
            with HubThread(config) as hub:
                result = asyncio.run(
                    measure(f"ws://127.0.0.1:{hub.port}", args.questions, args.voters)
                )
        results.append(result)
        print(f"run {run + 1}: " + ", ".join(f"{k}={v:.3f}" for k, v in result.items()))
    medians = {k: statistics.median(r[k] for r in results) for k in results[0]}
    report = {"questions": args.questions, "runs": args.runs, "median": medians}
    report["imports_s"] = import_seconds(args.runs)
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
