"""The hub over plain HTTP: the attendee page, its headers, the wheel, and the release files."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import venv
import zipfile
from pathlib import Path
from typing import Any

import pytest
import yaml

from fireside.hub import Hub
from fireside.joining import join_command, page_url
from fireside.web import PAGE_FILES, page_weight
from fireside.wheel import build_wheel, wheel_filename
from fireside_ask import __version__

from .helpers import http_get

pytestmark = pytest.mark.anyio
ROOT = Path(__file__).parent.parent


async def http_get_headers(port: int, path: str) -> tuple[int, dict[str, str], bytes]:
    """Send a raw HTTP/1.1 GET; return status, headers (lower-case names) and body."""
    import asyncio

    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(
            f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n".encode()
        )
        await writer.drain()
        status_line = await asyncio.wait_for(reader.readline(), 5)
        headers: dict[str, str] = {}
        while (line := await asyncio.wait_for(reader.readline(), 5)) not in (b"\r\n", b""):
            name, _, value = line.decode().partition(":")
            headers[name.strip().lower()] = value.strip()
        body = await asyncio.wait_for(reader.readexactly(int(headers["content-length"])), 5)
        return int(status_line.split()[1]), headers, body
    finally:
        writer.close()


async def test_get_slash_serves_the_page_with_a_strict_policy(hub: Hub) -> None:
    """A phone opening http://HOST:PORT/ gets the page; it may run only the hub's own files."""
    status, headers, body = await http_get_headers(hub.port, "/")
    assert status == 200
    assert headers["content-type"] == "text/html; charset=utf-8"
    assert b'<script src="/app.js"' in body and b"<style" not in body
    csp = headers["content-security-policy"]
    assert "default-src 'none'" in csp and "script-src 'self';" in csp
    assert f"connect-src 'self' ws://127.0.0.1:{hub.port};" in csp
    assert "unsafe" not in csp
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["cache-control"] == "no-cache" and headers["etag"]


async def test_the_pages_files_are_served_and_others_are_not_found(hub: Hub) -> None:
    """The script, style and icon load from the hub; anything else is a plain 404."""
    for path in PAGE_FILES:
        status, headers, body = await http_get_headers(hub.port, path)
        assert status == 200 and body, path
        assert headers["x-content-type-options"] == "nosniff"
    status, _ = await http_get(hub.port, "/../../etc/passwd")
    assert status == 404
    status, _ = await http_get(hub.port, "/index.html/../hub.py")
    assert status == 404


def test_the_page_weighs_under_50_kb_and_loads_nothing_from_elsewhere() -> None:
    """The whole page (every file, uncompressed) stays under 50 KB and names no other host."""
    assert page_weight() < 50_000
    web = ROOT / "moderator" / "fireside" / "web"
    for path in web.iterdir():
        text = path.read_text()
        assert "http://" not in text.replace("http://www.w3.org/2000/svg", "")
        assert "https://" not in text, path.name
        assert "innerHTML" not in text and "insertAdjacentHTML" not in text, path.name


def test_the_wheel_is_in_the_built_moderator_wheel(tmp_path: Path) -> None:
    """The page's files are package data: a built fireside wheel carries them."""
    hatch = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation"]
    try:
        import hatchling  # noqa: F401
    except ImportError:
        pytest.skip("hatchling is not installed in this venv")
    result = subprocess.run(
        [*hatch, "-w", str(tmp_path), str(ROOT)], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    (built,) = tmp_path.glob("fireside-*.whl")
    names = zipfile.ZipFile(built).namelist()
    for filename in ("index.html", "app.js", "app.css", "favicon.svg"):
        assert f"fireside/web/{filename}" in names


async def test_the_hub_serves_the_attendee_wheel(hub: Hub) -> None:
    """GET /fireside_ask-VERSION-py3-none-any.whl answers a valid wheel of the client."""
    status, headers, body = await http_get_headers(hub.port, f"/{wheel_filename()}")
    assert status == 200 and headers["content-type"] == "application/zip"
    assert wheel_filename() == f"fireside_ask-{__version__}-py3-none-any.whl"
    archive = zipfile.ZipFile(io.BytesIO(body))
    assert archive.testzip() is None
    info = f"fireside_ask-{__version__}.dist-info"
    assert "fireside_ask/cli.py" in archive.namelist()
    entry_points = archive.read(f"{info}/entry_points.txt").decode()
    assert "fireside-ask = fireside_ask.cli:main" in entry_points
    assert body == build_wheel().data  # the same bytes every time


def test_join_line_installs_from_the_hub_until_published() -> None:
    """The printed command works today (wheel from the hub); --published gives the short one."""
    wheel = f"http://192.0.2.10:8765/{wheel_filename()}"
    assert join_command("192.0.2.10", 8765) == f"pipx run --spec {wheel} fireside-ask 192.0.2.10"
    assert join_command("192.0.2.10", 8765, published=True) == "pipx run fireside-ask 192.0.2.10"
    assert page_url("192.0.2.10", 8765) == "http://192.0.2.10:8765/"
    assert page_url("192.0.2.10", 443, tls=True) == "https://192.0.2.10/"


@pytest.mark.e2e
async def test_the_served_wheel_installs_in_a_fresh_venv_and_runs(
    hub: Hub, tmp_path: Path
) -> None:
    """pip installs the wheel from the hub's URL into a fresh venv; fireside-ask --help runs.

    Checked: pip accepts the hub's URL and the wheel (metadata, RECORD hashes), the console
    script is made, and the installed package imports and answers --help. Its dependencies
    (websockets, rich) are not downloaded: the venv sees them through PYTHONPATH from ours.
    """
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    python = env_dir / "bin" / "python"
    url = f"http://127.0.0.1:{hub.port}/{wheel_filename()}"

    def run(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            args, capture_output=True, text=True, timeout=120, env={**os.environ, **env}
        )

    import anyio.to_thread

    install = await anyio.to_thread.run_sync(
        lambda: run(str(python), "-m", "pip", "install", "--no-deps", "--no-index", url)
    )
    assert install.returncode == 0, install.stdout + install.stderr
    import rich
    import websockets

    deps = os.pathsep.join(
        str(Path(module.__file__).parent.parent) for module in (websockets, rich)  # type: ignore[arg-type]
    )
    # Only the fresh venv's copy of fireside_ask may be found: not our editable one.
    check = run(
        str(python), "-c", "import fireside_ask, sys; print(fireside_ask.__file__)", PYTHONPATH=deps
    )
    assert str(env_dir) in check.stdout, check.stdout + check.stderr
    helped = run(str(env_dir / "bin" / "fireside-ask"), "--help", PYTHONPATH=deps)
    assert helped.returncode == 0, helped.stderr
    assert "fireside-ask" in helped.stdout


def test_release_workflow_builds_checks_and_publishes_both_distributions() -> None:
    """The release workflow parses, builds both packages, checks them, publishes by OIDC."""
    workflow = yaml.safe_load((ROOT / ".github" / "workflows" / "release.yml").read_text())
    triggers: Any = workflow.get("on", workflow.get(True))
    assert "tags" in triggers["push"]
    text = (ROOT / ".github" / "workflows" / "release.yml").read_text()
    assert "twine check" in text and "pypa/gh-action-pypi-publish" in text
    assert "id-token: write" in text and "password" not in text
    assert "client" in text
