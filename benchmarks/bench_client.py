"""The attendee client: cold start of ``fireside-ask --help`` and its installed size.

    .venv/bin/python benchmarks/bench_client.py --runs 20
    .venv/bin/python benchmarks/bench_client.py --offline --runs 3    # no package registry

Cold start: each run is a new process (a cold interpreter; the operating system's file cache
and the compiled ``.pyc`` files are warm, as on a second ``pipx run``), timed from spawn to
exit, median of ``--runs``. Measured for the console script and ``python -m fireside_ask`` of
this repository's venv, for the console script of a fresh non-editable install, and for a
bare ``python -c pass`` (the interpreter's own start, the floor).

Installed size: a throwaway venv in a temporary directory (without pip), ``pip install
./client`` into it (this needs the package registry), then the size of its site-packages:
the client and every dependency, ``.pyc`` files included, as ``pipx run`` would leave them.
With ``--offline`` the size is summed instead from the client's dependency closure as
installed in this venv (no registry, no fresh install; for the smoke test).

Prints one line per figure and a JSON of medians.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
CLIENT = ROOT / "client"
VENV_BIN = Path(sys.executable).parent


def time_command(command: list[str], runs: int) -> dict[str, float]:
    """Median and spread of the wall time of ``command`` (ms), one warm-up run first."""
    subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(
            command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True, timeout=30
        )
        times.append((time.perf_counter() - started) * 1000)
    return {"median": statistics.median(times), "min": min(times), "max": max(times)}


def tree_size(path: Path) -> tuple[int, int]:
    """Bytes (apparent size) and number of files under ``path``."""
    total = files = 0
    for root, _, names in os.walk(path):
        for name in names:
            target = Path(root) / name
            if not target.is_symlink():
                total += target.stat().st_size
                files += 1
    return total, files


def fresh_install(tmp: Path) -> dict[str, Any]:
    """``pip install ./client`` into a new venv; sizes of its site-packages."""
    venv = tmp / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    started = time.perf_counter()
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            str(python),
            "install",
            "--quiet",
            "--disable-pip-version-check",
            str(CLIENT),
        ],
        check=True,
        timeout=600,
    )
    install_s = time.perf_counter() - started
    site = Path(
        subprocess.run(
            [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    )
    total, files = tree_size(site)
    parts: dict[str, float] = {}
    for entry in site.iterdir():
        if entry.name.endswith((".dist-info", ".pth")) or entry.name == "__pycache__":
            continue
        size = tree_size(entry)[0] if entry.is_dir() else entry.stat().st_size
        parts[entry.name] = size / 1e6
    no_pyc = sum(
        f.stat().st_size for f in site.rglob("*") if f.is_file() and "__pycache__" not in f.parts
    )
    return {
        "installed_mb": total / 1e6,
        "installed_files": files,
        "installed_mb_without_pyc": no_pyc / 1e6,
        "install_s": install_s,
        "packages_mb": dict(sorted(parts.items(), key=lambda kv: -kv[1])),
        "script": str(venv / "bin" / "fireside-ask"),
    }


def offline_size() -> dict[str, Any]:
    """The client's dependency closure as installed in this venv (no registry needed)."""
    from importlib import metadata

    from packaging.requirements import Requirement

    seen: dict[str, metadata.Distribution] = {}
    todo = ["fireside-ask"]
    while todo:
        name = todo.pop()
        key = name.lower().replace("_", "-")
        if key in seen:
            continue
        dist = metadata.distribution(name)
        seen[key] = dist
        for line in dist.requires or []:
            requirement = Requirement(line)
            if requirement.marker is None or requirement.marker.evaluate({"extra": ""}):
                todo.append(requirement.name)
    total = files = 0
    parts: dict[str, float] = {}
    for key, dist in seen.items():
        size = count = 0
        for file in dist.files or []:
            located = Path(str(dist.locate_file(file)))
            if located.is_file():
                size += located.stat().st_size
                count += 1
        if key == "fireside-ask":  # an editable install records only a .pth file
            size, count = tree_size(CLIENT / "src" / "fireside_ask")
        parts[key] = size / 1e6
        total, files = total + size, files + count
    return {
        "installed_mb": total / 1e6,
        "installed_files": files,
        "installed_mb_without_pyc": float("nan"),
        "install_s": 0.0,
        "packages_mb": dict(sorted(parts.items(), key=lambda kv: -kv[1])),
        "script": None,
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument(
        "--offline", action="store_true", help="size from this venv: no registry, no install"
    )
    args = parser.parse_args()

    python = str(VENV_BIN / "python")
    results: dict[str, Any] = {}
    timed = {
        "python_floor_ms": [python, "-c", "pass"],
        "help_module_ms": [python, "-m", "fireside_ask", "--help"],
        "help_script_ms": [str(VENV_BIN / "fireside-ask"), "--help"],
    }
    with tempfile.TemporaryDirectory(prefix="bench-client-") as name:
        size = offline_size() if args.offline else fresh_install(Path(name))
        if size["script"]:
            timed["help_installed_ms"] = [size["script"], "--help"]
        for key, command in timed.items():
            spread = time_command(command, args.runs)
            results[key] = spread["median"]
            print(
                f"{key}: median {spread['median']:.1f} ms "
                f"(min {spread['min']:.1f}, max {spread['max']:.1f}; {' '.join(command[-3:])})",
                flush=True,
            )
    if "help_installed_ms" not in results:
        results["help_installed_ms"] = float("nan")
    for key in ("installed_mb", "installed_files", "installed_mb_without_pyc", "install_s"):
        results[key] = size[key]
    print(
        f"installed: {size['installed_mb']:.2f} MB in {size['installed_files']} files "
        f"({'this venv, offline' if args.offline else 'fresh venv'}); by package: "
        + ", ".join(f"{k} {v:.2f}" for k, v in size["packages_mb"].items()),
        flush=True,
    )
    report = {
        "runs": args.runs,
        "offline": args.offline,
        "median": results,
        "packages_mb": size["packages_mb"],
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
