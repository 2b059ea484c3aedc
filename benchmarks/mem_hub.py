"""Where a hub's memory goes: RSS and the biggest allocation sites with N attendees connected.

    .venv/bin/python benchmarks/mem_hub.py --connections 10000 [--trace] [--questions 6000]

Runs a hub in this process and the load generator's workers beside it; prints the RSS
(VmRSS, MB) started, after the questions, and with the attendees connected, and with
``--trace`` the tracemalloc sites that grew most between the last two.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import sys
import tempfile
import tracemalloc
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from loadgen import LoadGen, raise_nofile  # noqa: E402

from fireside.hub import Hub, HubConfig  # noqa: E402


def rss_mb() -> float:
    """This process's resident set size in MB (10^6 bytes)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024 / 1e6
    return float("nan")


def report(before: tracemalloc.Snapshot, args: argparse.Namespace) -> None:
    """Print the allocation sites that grew most since ``before``."""
    after = tracemalloc.take_snapshot()
    key = "traceback" if args.frames > 1 else "lineno"
    stats = after.compare_to(before, key)
    total = sum(s.size_diff for s in stats)
    print(f"traced growth {total / 1e6:.1f} MB; top sites:")
    for stat in stats[: args.top]:
        print(f"{stat.size_diff / 1e6:8.2f} MB {stat.count_diff:8d}")
        for line in stat.traceback.format()[-2 * args.frames :]:
            print("    " + line)


async def main(args: argparse.Namespace) -> None:
    raise_nofile(args.connections + 1000)
    with tempfile.TemporaryDirectory(prefix="mem-hub-") as tmp:
        config = HubConfig(
            db_path=Path(tmp) / "hub.db",
            host="127.0.0.1",
            port=0,
            token="mem-hub-token-0123456789",
            max_connections=args.connections + 100,
            questions_per_minute=1_000_000,
            votes_per_minute=1_000_000,
        )
        async with Hub(config) as hub:
            port = hub.port
            print(f"started: {rss_mb():.1f} MB", flush=True)
            generator = LoadGen("127.0.0.1", port, args.workers)
            generator.start()
            try:
                await generator.connect_to(200, 8, 60)
                if args.trace == "questions":
                    tracemalloc.start(args.frames)
                    before = tracemalloc.take_snapshot()
                asked = 0
                while asked < args.questions:
                    # Through the real ask path (store, hints), as the benchmark's asks go.
                    done = await generator.asks_flat_out(200, 30.0, args.questions - asked)
                    asked += done["acked"]
                await asyncio.sleep(2.0)  # the hint worker catches up
                gc.collect()
                print(f"{asked} questions: {rss_mb():.1f} MB", flush=True)
                if args.trace == "questions":
                    report(before, args)
                    return
                gc.collect()
                before_rss = rss_mb()
                if args.trace == "connections":
                    tracemalloc.start(args.frames)
                    before = tracemalloc.take_snapshot()
                result = await generator.connect_to(args.connections, 16, 300)
                await asyncio.sleep(1.0)
                gc.collect()
                after_rss = rss_mb()
                print(
                    f"{result['live']} connected: {after_rss:.1f} MB "
                    f"({(after_rss - before_rss) * 1e3 / max(1, result['live']):.1f} KB each)",
                    flush=True,
                )
                if args.trim:
                    import ctypes

                    ctypes.CDLL("libc.so.6").malloc_trim(0)
                    print(f"after malloc_trim: {rss_mb():.1f} MB", flush=True)
                if args.trace == "connections":
                    report(before, args)
            finally:
                await generator.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--connections", type=int, default=10000)
    parser.add_argument("--questions", type=int, default=0)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument(
        "--trace", choices=("questions", "connections"), help="where to trace allocations"
    )
    parser.add_argument("--trim", action="store_true", help="then malloc_trim and measure again")
    parser.add_argument("--frames", type=int, default=1)
    parser.add_argument("--top", type=int, default=25)
    asyncio.run(main(parser.parse_args()))
