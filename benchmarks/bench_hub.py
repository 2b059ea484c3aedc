"""A room of 5,000 on one hub process, measured against the library's own floor.

    .venv/bin/python benchmarks/bench_hub.py --runs 3          # the full measurement
    .venv/bin/python benchmarks/bench_hub.py --quick           # a tiny run (the smoke test)

Each run starts the floor (``floor_server.py``: bare ``websockets.broadcast()``) and then the
real hub (``fireside serve`` with a fresh database in a temporary directory), back to back
on this machine, and drives both with the same load generator (``loadgen.py``: worker
processes, the real wire protocol, loopback). Phases, in order:

1. connect ``--base`` attendees (1,000) and a moderator;
2. ask→ack: ``--ask-rate`` asks per second (100) for ``--ask-seconds``, round robin over
   every attendee; the hub's ack comes after the fsync'd group commit;
3. one update reaching everyone, ``--updates`` times: the moderator approves a pending
   question (auto-approve is off) and every attendee's receipt of the ``question`` push is
   timed from the moderator's send; the floor acknowledges and broadcasts at once;
4. a heavy vote rate: every attendee votes up, then back down, as fast as acks return, and
   counts the coalesced ``votes`` pushes it receives;
5. reconnect storm: the ``--base`` attendees drop at once and reconnect at once with the
   same client ids; time until the last one has its welcome;
6. connect up to ``--connections`` minus ``--joining`` (4,000);
7. join storm: ``--joining`` attendees (1,000) arrive at an even pace over
   ``--join-seconds`` while those connected ask at ``--ask-rate``: ask→ack while the room
   fills, and the newcomers' handshakes;
8. the full room (5,000): RSS (VmRSS) and idle CPU of the server;
9. steady room: ``--ask-rate`` asks per second for ``--ask-seconds`` with everyone connected;
10. one update reaching all of them, ``--updates`` times, and the server's CPU per update;
11. sustained asks: ``--askers`` attendees each ask again as soon as their ack arrives,
    for ``--sustain-seconds`` or ``--sustain-asks`` asks in all, whichever ends first (the
    rate is over the time they took; the cap keeps the room's size the same for step 12);
12. the large room: connect up to ``--big`` (10,000); RSS, and one update reaching all of
    them ``--updates`` times.

The server's CPU (user+sys from /proc/PID/stat, all threads) is taken for every phase, and
the load generator's, and what every other process on the machine used (/proc/stat): the
machine may be shared, and that is what makes runs differ. The hub runs with
``--max-connections`` raised above the large room and with per-minute limits raised so that
the rate limits never interfere.

``--only steady`` runs phases 6, 8 and 9 alone (connect ``--connections``, idle, steady
asks): about 20 s a run, to compare variants of the steady-room tail quickly.

Prints a line per server and run, a table of medians (hub, floor, hub ÷ floor) and a JSON.
``--profile join`` (or ``steady``) samples the servers with py-spy during that phase and
writes collapsed stacks to the current directory (docs/performance.md shows how they read).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import functools
import json
import math
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from loadgen import LoadGen, Moderator, raise_nofile  # noqa: E402

TOKEN = "bench-token"
HOST = "127.0.0.1"
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")

#: (key, label, target). Labels use {base} and {connections}.
FIGURES: list[tuple[str, str, str]] = [
    ("connected", "attendees connected to one process", "{connections}"),
    ("connected_max", "attendees connected in the large-room phase", "{big}"),
    ("rss_mb", "server RSS with {connections} connected (MB)", "≤ 150"),
    ("rss_big_mb", "server RSS with {big} connected (MB)", "≤ 250"),
    ("handshake_p50_ms", "handshake (connect→welcome) p50 (ms), ramp to {start}", "—"),
    ("handshake_p99_ms", "handshake (connect→welcome) p99 (ms), ramp to {start}", "—"),
    ("join_ask_p50_ms", "ask→ack p50 (ms) while {joining} join {start}, {ask_rate} asks/s", "—"),
    (
        "join_ask_p99_ms",
        "ask→ack p99 (ms) while {joining} join {start}, {ask_rate} asks/s",
        "≤ 1.5× floor",
    ),
    ("join_handshake_p99_ms", "…newcomers' handshake (connect→welcome) p99 (ms)", "—"),
    ("join_s", "…until the last newcomer's welcome (s)", "—"),
    ("steady_ask_p50_ms", "ask→ack p50 (ms), {connections} connected, {ask_rate} asks/s", "—"),
    ("steady_ask_p99_ms", "ask→ack p99 (ms), {connections} connected, {ask_rate} asks/s", "≤ 5"),
    ("update_base_p50_ms", "one update reaching all {base}: p50 (ms)", "—"),
    ("update_base_p99_ms", "one update reaching all {base}: p99 (ms)", "≤ 100, ≤ 1.5× floor"),
    ("update_base_max_ms", "one update reaching all {base}: max (ms)", "—"),
    ("update_full_p50_ms", "one update reaching all {connections}: p50 (ms)", "—"),
    (
        "update_full_p99_ms",
        "one update reaching all {connections}: p99 (ms)",
        "≤ 500, ≤ 1.5× floor",
    ),
    ("update_full_max_ms", "one update reaching all {connections}: max (ms)", "—"),
    ("cpu_per_update_ms", "server CPU per update to {connections} (ms)", "≤ 1.3× floor"),
    ("update_big_p50_ms", "one update reaching all {big}: p50 (ms)", "—"),
    ("update_big_p99_ms", "one update reaching all {big}: p99 (ms)", "≤ 1,000, ≤ 1.5× floor"),
    ("update_big_max_ms", "one update reaching all {big}: max (ms)", "—"),
    ("commit_ms", "moderator's approve → its ack (ms, at {base})", "—"),
    ("ask_ack_p50_ms", "ask→ack p50 (ms), {base} connected, {ask_rate} asks/s", "—"),
    ("ask_ack_p99_ms", "ask→ack p99 (ms), {base} connected, {ask_rate} asks/s", "≤ 10"),
    ("asks_per_s", "sustained asks per second ({askers} askers)", "≥ 1,000"),
    # The hub keeps each question and its hint index entries (about 5 KB each with topics):
    # a faster sustained phase leaves more of them in the room when the large room's RSS is
    # taken, so that figure is read with this one.
    ("asks_sustained", "…questions asked in that phase (still in the room at the next RSS)", "—"),
    ("votes_per_s", "votes per second under the heavy vote phase", "—"),
    ("vote_pushes_max", "vote pushes per client per second (max over clients)", "≤ 4"),
    ("vote_pushes_mean", "vote pushes per client per second (mean)", "≤ 4"),
    ("vote_push_gap_ms", "shortest gap between two vote pushes to one client (ms)", "—"),
    ("storm_s", "reconnect storm: {base} reconnect, last welcome (s)", "≤ 2"),
    ("storm_p50_s", "reconnect storm: median welcome (s)", "—"),
    ("storm_listen_drops", "reconnect storm: SYNs dropped, accept queue full", "—"),
    ("cpu_connect_pct", "server CPU, ramp to {start} (% of one core)", "—"),
    ("cpu_join_pct", "server CPU, join storm", "—"),
    ("cpu_idle_pct", "server CPU, {connections} connected and idle", "—"),
    ("cpu_asks_pct", "server CPU, {ask_rate} asks/s", "—"),
    ("cpu_update_pct", "server CPU, update phase at {connections}", "—"),
    ("cpu_votes_pct", "server CPU, heavy votes", "—"),
    ("cpu_storm_pct", "server CPU, reconnect storm", "—"),
    ("cpu_sustained_pct", "server CPU, sustained asks", "—"),
    ("loadgen_cpu_update_pct", "load generator CPU, update phase at {connections}", "—"),
    ("others_cpu_asks_pct", "other processes' CPU during the ask→ack phase", "—"),
    ("cpu_steady_pct", "server CPU, {connections} connected, {ask_rate} asks/s", "—"),
    ("others_cpu_steady_pct", "other processes' CPU during the steady-room phase", "—"),
    ("others_cpu_join_pct", "other processes' CPU during the join storm", "—"),
    ("others_cpu_run_pct", "other processes' CPU, mean over the phases", "—"),
]


# --- the servers -----------------------------------------------------------------------
def server_command(kind: str, args: argparse.Namespace, tmp: Path) -> list[str]:
    limit = str(max(args.connections, args.big) + 100)
    if kind == "floor":
        return [
            sys.executable,
            str(HERE / "floor_server.py"),
            "--port",
            "0",
            "--max-connections",
            limit,
            "--lifetime",
            str(args.run_timeout + 60),
        ]
    script = Path(sys.executable).with_name("fireside")
    if args.hub_script:
        command = [sys.executable, args.hub_script]
    else:
        command = [str(script)] if script.exists() else [sys.executable, "-m", "fireside"]
    return [
        *command,
        "serve",
        "--host",
        HOST,
        "--port",
        "0",
        "--db",
        str(tmp / "bench.db"),
        "--token",
        TOKEN,
        "--moderate",
        "--max-connections",
        limit,
        "--questions-per-minute",
        "1000000",
        "--votes-per-minute",
        "1000000",
    ]


@contextlib.contextmanager
def running(kind: str, args: argparse.Namespace) -> Iterator[tuple[int, int]]:
    """Start a server, yield (pid, port), and always stop it."""
    with tempfile.TemporaryDirectory(prefix=f"bench-{kind}-") as name:
        tmp = Path(name)
        out = (tmp / "stdout.txt").open("w+")
        err = (tmp / "stderr.txt").open("w+")
        process = subprocess.Popen(
            server_command(kind, args, tmp), stdout=out, stderr=err, cwd=tmp, text=True
        )
        try:
            deadline = time.monotonic() + 60
            port = None
            while port is None:
                found = re.search(r"listening on port (\d+)", (tmp / "stdout.txt").read_text())
                if found:
                    port = int(found.group(1))
                elif process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(
                        f"{kind} did not start: {(tmp / 'stderr.txt').read_text()[-2000:]}"
                    )
                else:
                    time.sleep(0.05)
            yield process.pid, port
        finally:
            if process.poll() is None:
                process.send_signal(signal.SIGINT)
                try:
                    process.wait(30)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait(10)
            out.close()
            err.close()
            if process.returncode not in (0, -signal.SIGINT, -signal.SIGKILL):
                log_tail = (tmp / "stderr.txt").read_text()[-1500:]
                print(f"  ({kind} exited with {process.returncode}: {log_tail})", file=sys.stderr)


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process (every thread), from /proc/PID/stat."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0.0
    fields = stat[stat.rindex(")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def listen_drops() -> int:
    """The kernel's count of connection attempts dropped because an accept queue was full
    (TcpExt ListenDrops, for the whole network namespace)."""
    lines = [line.split() for line in Path("/proc/net/netstat").read_text().splitlines()]
    for names, values in zip(lines, lines[1:], strict=False):
        if names[0] == "TcpExt:" and values[0] == "TcpExt:" and "ListenDrops" in names:
            return int(values[names.index("ListenDrops")])
    return 0


def rss_mb(pid: int) -> float:
    """Resident set size (VmRSS) in MB (10^6 bytes)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024 / 1e6
    return float("nan")


def machine_busy_seconds() -> float:
    """CPU seconds the whole machine spent busy (every core, every process), /proc/stat."""
    fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
    ticks = [int(x) for x in fields[:8]]
    return (sum(ticks) - ticks[3] - ticks[4]) / CLOCK_TICKS  # minus idle and iowait


class Meter:
    """CPU of the server, of the load generator (workers and this process) and of every
    other process on the machine, phase by phase, in % of one core."""

    def __init__(self, server: int, loadgen: list[int]) -> None:
        self.server, self.loadgen = server, [*loadgen, os.getpid()]
        self.phases: dict[str, dict[str, float]] = {}

    @contextlib.contextmanager
    def phase(self, name: str) -> Iterator[None]:
        began, wall = time.time(), time.monotonic()
        server = cpu_seconds(self.server)
        loadgen = sum(cpu_seconds(pid) for pid in self.loadgen)
        machine = machine_busy_seconds()
        yield
        wall = max(1e-6, time.monotonic() - wall)
        server = cpu_seconds(self.server) - server
        loadgen = sum(cpu_seconds(pid) for pid in self.loadgen) - loadgen
        machine = machine_busy_seconds() - machine
        self.phases[name] = {
            "began": began,
            "wall_s": wall,
            "server_cpu_s": server,
            "server_pct": 100 * server / wall,
            "loadgen_pct": 100 * loadgen / wall,
            "others_pct": max(0.0, 100 * (machine - server - loadgen) / wall),
        }


@contextlib.contextmanager
def profiled(pid: int, phase: str, wanted: str | None, kind: str) -> Iterator[None]:
    """Sample the server with py-spy during ``phase`` when ``--profile`` names it.

    Writes collapsed stacks (one line per stack and its sample count, every thread, idle
    time included) to ``py-spy-KIND-PHASE-PID.txt`` in the current directory.
    """
    spy = Path(sys.executable).with_name("py-spy")
    if wanted != phase or not spy.exists():
        yield
        return
    output = Path(f"py-spy-{kind}-{phase}-{pid}.txt").resolve()
    command = [str(spy), "record", "--pid", str(pid), "--rate", "250", "--format", "raw"]
    process = subprocess.Popen(
        [*command, "--idle", "--nonblocking", "--output", str(output)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        yield
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)
        print(f"  profile of {kind} during {phase}: {output}", flush=True)


# --- one run against one server ------------------------------------------------------
def _median_of(samples: list[dict[str, Any]], key: str) -> float:
    return statistics.median(s["ms"][key] for s in samples) if samples else math.nan


@contextlib.asynccontextmanager
async def loaded(
    kind: str, pid: int, port: int, workers: int
) -> AsyncIterator[tuple[LoadGen, Meter, Moderator]]:
    """The load generator's workers, the meter of this server and a moderator; the workers
    and the moderator are closed at the end whatever happens."""
    generator = LoadGen(HOST, port, workers, prefix=f"{kind[0]}{os.getpid()}x")
    generator.start()
    moderator: Moderator | None = None
    try:
        moderator = await Moderator.open(HOST, port, TOKEN)
        yield generator, Meter(pid, generator.pids), moderator
    finally:
        if moderator is not None:
            moderator.close()
        await generator.close()


async def steady_only(kind: str, pid: int, port: int, args: argparse.Namespace) -> dict[str, Any]:
    """Phases 6, 8 and 9 alone: fill the room, let it settle, then the steady asks."""
    figures: dict[str, Any] = {}
    notes: dict[str, Any] = {}
    async with loaded(kind, pid, port, args.workers) as (generator, meter, _):
        with meter.phase("connect"):
            connected = await generator.connect_to(
                args.connections, args.concurrency, args.connect_timeout
            )
        notes["connect"] = connected
        figures["connected"] = connected["live"]
        await asyncio.sleep(1.0)
        with meter.phase("idle"):
            await asyncio.sleep(args.idle_seconds)
        figures["rss_mb"] = rss_mb(pid)
        with meter.phase("steady"), profiled(pid, "steady", args.profile, kind):
            steady = await generator.asks_at_rate(args.ask_rate, args.ask_seconds)
        figures["steady_ask_p50_ms"] = steady["ms"]["p50"]
        figures["steady_ask_p99_ms"] = steady["ms"]["p99"]
        notes["steady"] = {k: v for k, v in steady.items() if k != "question_ids"}
    figures["cpu_steady_pct"] = meter.phases["steady"]["server_pct"]
    figures["others_cpu_steady_pct"] = meter.phases["steady"]["others_pct"]
    notes["phases"] = meter.phases
    return {"figures": figures, "notes": notes}


async def scenario(kind: str, pid: int, port: int, args: argparse.Namespace) -> dict[str, Any]:
    figures: dict[str, Any] = {}
    notes: dict[str, Any] = {}
    async with loaded(kind, pid, port, args.workers) as (generator, meter, moderator):
        with meter.phase("connect_base"):
            connected = await generator.connect_to(args.base, args.concurrency)
        notes["connect_base"] = connected
        if connected["live"] < args.base:
            raise RuntimeError(f"only {connected['live']} of {args.base} connected: {connected}")

        with meter.phase("asks"):
            asks = await generator.asks_at_rate(args.ask_rate, args.ask_seconds)
        figures["ask_ack_p50_ms"] = asks["ms"]["p50"]
        figures["ask_ack_p99_ms"] = asks["ms"]["p99"]
        notes["asks"] = {k: v for k, v in asks.items() if k != "question_ids"}
        pending = list(asks["question_ids"])
        needed = 2 * args.updates + args.vote_questions
        if len(pending) < needed:
            raise RuntimeError(f"need {needed} pending questions, have {len(pending)}")

        async def updates(count: int) -> list[dict[str, Any]]:
            samples = []
            for _ in range(count):
                question_id = pending.pop(0)
                approve = functools.partial(moderator.act, "approve", question_id)
                samples.append(await generator.update_reach(approve, question_id))
                await asyncio.sleep(0.3)
            return samples

        with meter.phase("update_base"):
            samples = await updates(args.updates)
        for key in ("p50", "p99", "max"):
            figures[f"update_base_{key}_ms"] = _median_of(samples, key)
        figures["commit_ms"] = statistics.median(s["moderator_ack_ms"] for s in samples)
        notes["update_base"] = samples

        voted = [pending.pop(0) for _ in range(args.vote_questions)]
        for question_id in voted:
            await moderator.act("approve", question_id)
        with meter.phase("votes"):
            votes = await generator.votes_flat_out(voted, args.vote_seconds)
        figures["votes_per_s"] = votes["votes_per_s"]
        figures["vote_pushes_max"] = votes["pushes_per_client_s_max"]
        figures["vote_pushes_mean"] = votes["pushes_per_client_s_mean"]
        figures["vote_push_gap_ms"] = votes["min_gap_ms"]
        notes["votes"] = votes

        await asyncio.sleep(0.5)
        drops = listen_drops()
        with meter.phase("storm"):
            storm = await generator.storm(args.base, args.storm_timeout)
        figures["storm_listen_drops"] = listen_drops() - drops
        figures["storm_s"] = storm["s"] if storm["reconnected"] == args.base else math.inf
        figures["storm_p50_s"] = storm["p50_s"]
        notes["storm"] = storm

        with meter.phase("connect"):
            connected = await generator.connect_to(
                args.connections - args.joining, args.concurrency, args.connect_timeout
            )
        figures["handshake_p50_ms"] = connected["handshake_ms"]["p50"]
        figures["handshake_p99_ms"] = connected["handshake_ms"]["p99"]
        notes["connect"] = connected
        await asyncio.sleep(1.0)

        with meter.phase("join"), profiled(pid, "join", args.profile, kind):
            join = await generator.join_while_asking(
                args.joining, args.ask_rate, args.join_seconds, args.concurrency
            )
        figures["join_ask_p50_ms"] = join["ms"]["p50"]
        figures["join_ask_p99_ms"] = join["ms"]["p99"]
        figures["join_handshake_p99_ms"] = join["handshake_ms"]["p99"]
        figures["join_s"] = join["join_s"]
        figures["connected"] = join["live"]
        notes["join"] = {k: v for k, v in join.items() if k != "question_ids"}
        pending.extend(join["question_ids"])
        await asyncio.sleep(1.0)
        with meter.phase("idle"):
            await asyncio.sleep(args.idle_seconds)
        figures["rss_mb"] = rss_mb(pid)

        with meter.phase("steady"), profiled(pid, "steady", args.profile, kind):
            steady = await generator.asks_at_rate(args.ask_rate, args.ask_seconds)
        figures["steady_ask_p50_ms"] = steady["ms"]["p50"]
        figures["steady_ask_p99_ms"] = steady["ms"]["p99"]
        notes["steady"] = {k: v for k, v in steady.items() if k != "question_ids"}
        pending.extend(steady["question_ids"])

        with meter.phase("update_full"):
            samples = await updates(args.updates)
        for key in ("p50", "p99", "max"):
            figures[f"update_full_{key}_ms"] = _median_of(samples, key)
        # The phase's CPU minus what the server spends idle over as long, per update.
        update_phase = meter.phases["update_full"]
        idle_rate = meter.phases["idle"]["server_cpu_s"] / meter.phases["idle"]["wall_s"]
        spent = update_phase["server_cpu_s"] - idle_rate * update_phase["wall_s"]
        figures["cpu_per_update_ms"] = max(0.0, 1000 * spent / max(1, args.updates))
        notes["update_full"] = samples

        with meter.phase("sustained"):
            sustained = await generator.asks_flat_out(
                args.askers, args.sustain_seconds, args.sustain_asks
            )
        figures["asks_per_s"] = sustained["per_s"]
        figures["asks_sustained"] = sustained["acked"]
        notes["sustained"] = sustained

        with meter.phase("big"):
            big = await generator.connect_to(args.big, args.concurrency, args.connect_timeout)
        notes["big"] = {"connect": big}
        figures["connected_max"] = big["live"]
        await asyncio.sleep(1.0)
        figures["rss_big_mb"] = rss_mb(pid)
        with meter.phase("update_big"):
            samples = await updates(args.updates)
        for key in ("p50", "p99", "max"):
            figures[f"update_big_{key}_ms"] = _median_of(samples, key)
        notes["big"]["updates"] = samples

    for phase, key in (
        ("connect", "cpu_connect_pct"),
        ("join", "cpu_join_pct"),
        ("idle", "cpu_idle_pct"),
        ("asks", "cpu_asks_pct"),
        ("update_full", "cpu_update_pct"),
        ("votes", "cpu_votes_pct"),
        ("storm", "cpu_storm_pct"),
        ("sustained", "cpu_sustained_pct"),
    ):
        figures[key] = meter.phases[phase]["server_pct"]
    figures["loadgen_cpu_update_pct"] = meter.phases["update_full"]["loadgen_pct"]
    figures["others_cpu_asks_pct"] = meter.phases["asks"]["others_pct"]
    figures["cpu_steady_pct"] = meter.phases["steady"]["server_pct"]
    figures["others_cpu_steady_pct"] = meter.phases["steady"]["others_pct"]
    figures["others_cpu_join_pct"] = meter.phases["join"]["others_pct"]
    figures["others_cpu_run_pct"] = statistics.fmean(
        phase["others_pct"] for phase in meter.phases.values()
    )
    notes["phases"] = meter.phases
    return {"figures": figures, "notes": notes}


def run_once(kind: str, args: argparse.Namespace) -> dict[str, Any]:
    with running(kind, args) as (pid, port):

        async def bounded() -> dict[str, Any]:
            run = steady_only if args.only == "steady" else scenario
            return await asyncio.wait_for(run(kind, pid, port, args), args.run_timeout)

        return asyncio.run(bounded())


# --- report ----------------------------------------------------------------------------
def fmt(value: float) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    if math.isinf(value):
        return "∞"
    if float(value).is_integer():
        return f"{value:,.0f}"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


def table(medians: dict[str, dict[str, float]], args: argparse.Namespace) -> str:
    values = {
        "base": f"{args.base:,}",
        "start": f"{args.connections - args.joining:,}",
        "joining": f"{args.joining:,}",
        "big": f"{args.big:,}",
        "connections": f"{args.connections:,}",
        "ask_rate": f"{args.ask_rate:g}",
        "askers": f"{args.askers:,}",
    }
    hub, floor = medians.get("hub", {}), medians.get("floor", {})
    rows = ["| figure | target | hub | floor | hub ÷ floor |", "|---|---|---|---|---|"]
    for key, label, target in FIGURES:
        h, f = hub.get(key, math.nan), floor.get(key, math.nan)
        ratio = h / f if f and not math.isnan(f) and not math.isnan(h) else math.nan
        rows.append(
            f"| {label.format(**values)} | {target.format(**values)} | {fmt(h)} | {fmt(f)} "
            f"| {fmt(ratio)}{'×' if not math.isnan(ratio) else ''} |"
        )
    return "\n".join(rows)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--servers", default="floor,hub", help="which servers, in order")
    parser.add_argument("--connections", type=int, default=5000)
    parser.add_argument("--base", type=int, default=1000, help="attendees in phases 1-5")
    parser.add_argument(
        "--joining", type=int, default=1000, help="attendees arriving in the join storm"
    )
    parser.add_argument(
        "--join-seconds", type=float, default=5.0, help="how long the join storm lasts"
    )
    parser.add_argument("--big", type=int, default=10000, help="attendees in the large room")
    parser.add_argument("--workers", type=int, default=4, help="load generator processes")
    parser.add_argument("--concurrency", type=int, default=16, help="handshakes per worker")
    parser.add_argument("--ask-rate", type=float, default=100.0)
    parser.add_argument("--ask-seconds", type=float, default=10.0)
    parser.add_argument("--updates", type=int, default=5, help="updates timed per size")
    parser.add_argument("--vote-questions", type=int, default=20)
    parser.add_argument("--vote-seconds", type=float, default=5.0)
    parser.add_argument("--askers", type=int, default=200)
    parser.add_argument("--sustain-seconds", type=float, default=5.0)
    # At most this many asks in the sustained phase (about what the first runs of issue 17
    # left in the room), so that the large room's RSS is measured over the same questions
    # however fast the server acknowledges.
    parser.add_argument("--sustain-asks", type=int, default=4000)
    parser.add_argument("--idle-seconds", type=float, default=3.0)
    parser.add_argument("--connect-timeout", type=float, default=120.0)
    parser.add_argument("--storm-timeout", type=float, default=30.0)
    parser.add_argument(
        "--run-timeout", type=float, default=480.0, help="seconds one server's run may take"
    )
    parser.add_argument(
        "--hub-script",
        help="run this Python file instead of `fireside` (same arguments): to try a change",
    )
    parser.add_argument("--quick", action="store_true", help="tiny sizes: the smoke test")
    parser.add_argument(
        "--profile",
        choices=["join", "steady"],
        help="sample the servers with py-spy during this phase (needs the dev extra)",
    )
    parser.add_argument(
        "--only",
        choices=["steady"],
        help="run only this phase (after filling the room to --connections)",
    )
    parser.add_argument("--json-notes", action="store_true", help="print every detail too")
    args = parser.parse_args()
    if args.quick:
        args.runs, args.connections, args.base, args.big = 1, 20, 10, 30
        args.joining, args.join_seconds = 5, 1.0
        args.workers, args.ask_rate, args.ask_seconds, args.updates = 2, 20.0, 1.0, 2
        args.vote_questions, args.vote_seconds, args.askers = 4, 1.0, 5
        args.sustain_seconds, args.idle_seconds, args.run_timeout = 1.0, 0.5, 90.0
    # Every connection is a socket in the load generator, the floor or hub, and here.
    raise_nofile(max(args.connections, args.big) * 2 + 1024)

    servers = [s.strip() for s in args.servers.split(",") if s.strip()]
    results: dict[str, list[dict[str, Any]]] = {s: [] for s in servers}
    notes: dict[str, list[dict[str, Any]]] = {s: [] for s in servers}
    for run in range(args.runs):
        for kind in servers:
            started = time.monotonic()
            outcome = run_once(kind, args)
            results[kind].append(outcome["figures"])
            notes[kind].append(outcome["notes"])
            shown = ", ".join(f"{k}={fmt(v)}" for k, v in outcome["figures"].items())
            print(f"run {run + 1} {kind} ({time.monotonic() - started:.0f} s): {shown}", flush=True)
            troubles = {
                phase: outcome["notes"][phase].get(field)
                for phase, field in (
                    ("asks", "errors"),
                    ("votes", "errors"),
                    ("storm", "failures"),
                    ("connect", "failures"),
                    ("join", "errors"),
                    ("join", "failures"),
                    ("steady", "errors"),
                    ("sustained", "errors"),
                )
                if outcome["notes"].get(phase, {}).get(field)
            }
            if troubles:
                print(f"  problems: {json.dumps(troubles)}", flush=True)
            walls = ", ".join(
                f"{name} {phase['wall_s']:.1f} s (server {phase['server_pct']:.0f}%, "
                f"others {phase['others_pct']:.0f}%)"
                for name, phase in outcome["notes"]["phases"].items()
            )
            print(f"  phases: {walls}", flush=True)
            if "big" in outcome["notes"]:
                big = outcome["notes"]["big"]["connect"]
                print(f"  large room: {json.dumps(big)}", flush=True)
    medians = {
        kind: {
            key: statistics.median(r[key] for r in runs)
            for key in runs[0]
            if all(key in r for r in runs)
        }
        for kind, runs in results.items()
        if runs
    }
    print()
    print(table(medians, args))
    print()
    report: dict[str, Any] = {
        "connections": args.connections,
        "base": args.base,
        "joining": args.joining,
        "big": args.big,
        "runs": args.runs,
        "workers": args.workers,
        "median": medians,
    }
    if args.json_notes:
        report["notes"] = notes
    print(json.dumps(report, indent=2, default=str))


if __name__ == "__main__":
    main()
