"""``fireside-ask URL --ask/--list/--vote``: one thing, one line, a clear exit code."""

from __future__ import annotations

import asyncio
import contextlib
import json
import ssl
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import anyio
import pytest
import trustme
from websockets.asyncio.server import ServerConnection, serve

from fireside.hub import Hub
from fireside_ask.cli import main

from .helpers import (
    NASTY,
    command_env,
    end_session,
    free_port,
    hub_at,
    run_command,
    stored_questions,
)

# Marked here too (conftest marks them only after collection) so that parametrized
# coroutine tests get their parameters.
pytestmark = pytest.mark.anyio



@pytest.fixture(autouse=True)
def config_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Keep every client id and outbox of these tests in the test's own directory."""
    home = tmp_path / "config"
    monkeypatch.setenv("FIRESIDE_ASK_CONFIG_DIR", str(home))
    return home


@dataclass
class Result:
    code: int
    out: str
    err: str


async def run_cli(capsys: pytest.CaptureFixture[str], *args: str) -> Result:
    """Run ``fireside-ask ARGS`` in this process, in a thread so the hub keeps serving."""
    capsys.readouterr()
    code = await anyio.to_thread.run_sync(main, list(args))
    captured = capsys.readouterr()
    return Result(code, captured.out, captured.err)






def one_line(text: str) -> str:
    lines = text.splitlines()
    assert len(lines) == 1, f"expected one line, got {text!r}"
    assert "Traceback" not in text
    return lines[0]


async def test_ask_prints_the_question_number_and_exits_zero(capsys, url: str) -> None:
    """``fireside-ask HOST:PORT --ask TEXT`` prints ``#1`` once the hub has the question."""
    result = await run_cli(capsys, url.removeprefix("ws://"), "--ask", "What about Qwen?")
    assert (result.code, result.out, result.err) == (0, "#1\n", "")


async def test_question_after_the_end_is_confirmed_with_a_note(capsys, connect, hub: Hub) -> None:
    """``--ask`` after the last segment still prints ``#1``, and says the session has ended."""
    moderator = await connect("moderator")
    await end_session(moderator, hub)
    result = await run_cli(capsys, f"127.0.0.1:{hub.port}", "--ask", "Slides online?")
    assert (result.code, result.out) == (0, "#1\n")
    assert one_line(result.err) == (
        "fireside-ask: note: the session has ended; the speakers may follow up on your "
        "question afterwards."
    )


async def test_too_long_question_exits_one_with_the_limit(capsys, tmp_path: Path) -> None:
    """A question over the hub's limit is refused in one line; nothing is stored."""
    async with hub_at(tmp_path, 0, max_chars=40) as hub:
        result = await run_cli(capsys, f"127.0.0.1:{hub.port}", "--ask", "y" * 41)
        assert result.code == 1 and result.out == ""
        assert one_line(result.err) == (
            "fireside-ask: The question has 41 characters; the limit is 40."
        )
        huge = await run_cli(capsys, f"127.0.0.1:{hub.port}", "--ask", "z" * 10_000)
        assert huge.code == 1 and "limit is 40" in one_line(huge.err)
    assert stored_questions(tmp_path / "hub.db") == []


async def test_empty_question_exits_one(capsys, url: str) -> None:
    """A question that is only blanks and escape codes is refused as empty."""
    result = await run_cli(capsys, url, "--ask", " \x1b[2J\t ")
    assert result.code == 1
    assert one_line(result.err) == "fireside-ask: The question is empty."


async def test_rate_limited_question_exits_one_with_the_hubs_reason(capsys, tmp_path: Path) -> None:
    """Asking faster than the room allows says when to try again."""
    async with hub_at(tmp_path, 0, questions_per_minute=1) as hub:
        first = await run_cli(capsys, f"127.0.0.1:{hub.port}", "--ask", "one")
        second = await run_cli(capsys, f"127.0.0.1:{hub.port}", "--ask", "two")
    assert first.code == 0
    assert second.code == 1 and second.out == ""
    assert one_line(second.err).startswith("fireside-ask: You can ask 1 question a minute")


async def test_unreachable_hub_exits_three_with_one_line_and_no_traceback() -> None:
    """Nothing listening at the address: one line saying so, exit code 3."""
    result = await run_command(f"127.0.0.1:{free_port()}", "--ask", "hello?", "--timeout", "1")
    assert result.returncode == 3
    assert result.stdout == b""
    line = one_line(result.stderr.decode())
    assert line.startswith("fireside-ask: hub unreachable at ws://127.0.0.1:")
    assert "connection refused" in line


async def test_refused_connection_fails_fast_instead_of_waiting_for_the_timeout() -> None:
    """``--list`` against a closed port says "connection refused" at once, not after --timeout."""
    port = free_port()
    # The deadline only has to tell "at once" from "after the 600 s timeout".
    with anyio.fail_after(60):
        result = await run_command(f"127.0.0.1:{port}", "--list", "--timeout", "600")
    assert (result.returncode, result.stdout) == (3, b"")
    assert one_line(result.stderr.decode()) == (
        f"fireside-ask: hub unreachable at ws://127.0.0.1:{port} (connection refused): "
        "nothing is listening there; check the address and port."
    )


async def test_unknown_host_exits_three_at_once(capsys) -> None:
    """A host name that does not exist is reported without waiting for the timeout."""
    result = await run_cli(capsys, "no-such-host.invalid", "--list")
    assert result.code == 3
    assert one_line(result.err) == "fireside-ask: cannot find the host 'no-such-host.invalid'."


@contextlib.asynccontextmanager
async def http_server(status: bytes = b"200 OK") -> AsyncIterator[int]:
    """A plain HTTP server that answers every request with a small page."""

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(ConnectionError):
            await reader.readuntil(b"\r\n\r\n")
            writer.write(
                b"HTTP/1.1 " + status + b"\r\nContent-Type: text/html\r\n"
                b"Content-Length: 5\r\nConnection: close\r\n\r\nhello"
            )
            await writer.drain()
        writer.close()

    server = await asyncio.start_server(answer, "127.0.0.1", 0)
    try:
        yield server.sockets[0].getsockname()[1]
    finally:
        server.close()
        await server.wait_closed()


async def test_plain_http_server_is_not_a_fireside_hub() -> None:
    """Pointing at a web server says it is not a Fireside hub, in one line, exit code 3."""
    async with http_server() as port:
        result = await run_command(f"127.0.0.1:{port}", "--ask", "hi")
    assert result.returncode == 3
    line = one_line(result.stderr.decode())
    assert line == (
        f"fireside-ask: ws://127.0.0.1:{port} answered HTTP 200, not a websocket: "
        "it is not a Fireside hub."
    )


async def _echo(ws: ServerConnection) -> None:
    async for frame in ws:
        await ws.send(frame)


async def _silent(ws: ServerConnection) -> None:
    await ws.wait_closed()


async def _old_hub(ws: ServerConnection) -> None:
    # What a hub of another protocol version answers to our hello.
    await ws.recv()
    await ws.send(
        json.dumps(
            {
                "type": "error",
                "request_id": None,
                "code": "unsupported_protocol",
                "message": "This hub speaks protocol 2; please update.",
            }
        )
    )
    await ws.close(1008, "This hub speaks protocol 2; please update.")


@pytest.mark.parametrize(
    ("handler", "code", "expected"),
    [
        (_echo, 3, "answered hello with 'hello', not welcome: it is not a Fireside hub."),
        (_silent, 3, "is a websocket server but did not answer hello within 1 s"),
        (_old_hub, 1, "This hub speaks protocol 2; please update."),
    ],
)
async def test_websocket_server_that_does_not_welcome_us_is_reported(
    capsys,
    handler,
    code: int,
    expected: str,
) -> None:
    """A websocket server that is not a hub, or refuses our hello, gets one clear line."""
    async with serve(handler, "127.0.0.1", 0) as server:
        port = next(iter(server.sockets)).getsockname()[1]
        result = await run_cli(capsys, f"127.0.0.1:{port}", "--list", "--timeout", "1")
    assert result.code == code
    assert expected in one_line(result.err)


async def test_full_hub_is_reported_after_the_timeout(capsys, tmp_path: Path) -> None:
    """A full room keeps the attendee retrying; at the timeout it says the room is full."""
    async with hub_at(tmp_path, 0, max_connections=0) as hub:
        result = await run_cli(capsys, f"127.0.0.1:{hub.port}", "--ask", "hi", "--timeout", "0.5")
    assert result.code == 3
    assert "The room is full" in one_line(result.err)


async def test_list_shows_id_votes_state_and_text(capsys, connect, url: str) -> None:
    """``--list`` prints each visible question with its number, votes, state and text."""
    moderator = await connect("moderator")
    await moderator.request({"type": "settings", "auto_approve": True})
    asker = await connect()
    await asker.ask("What about Qwen?")
    await asker.ask("Is RAG dead?")
    voter = await connect()
    await voter.request({"type": "vote", "question_id": 2})
    result = await run_cli(capsys, url, "--list")
    assert result.code == 0, result.err
    assert result.out.splitlines() == [
        "#2      1 vote  approved  Is RAG dead?",
        "#1     0 votes  approved  What about Qwen?",
    ]


async def test_list_of_an_empty_session_says_so_on_stderr(capsys, url: str) -> None:
    """With no questions yet, stdout stays empty and stderr says why."""
    result = await run_cli(capsys, url, "--list")
    assert (result.code, result.out) == (0, "")
    assert one_line(result.err).startswith("No questions yet in ")


async def test_own_pending_question_is_listed_as_yours(capsys, url: str) -> None:
    """The attendee's own question shows up, marked as theirs, before it is approved."""
    assert (await run_cli(capsys, url, "--ask", "Mine?")).out == "#1\n"
    result = await run_cli(capsys, url, "--list")
    assert result.out == "#1     0 votes  pending   Mine?  (yours)\n"


async def test_list_prints_hub_text_literally_never_as_markup_or_escapes(
    connect,
    url: str,
) -> None:
    """A question with escape codes and Rich markup is listed as plain literal characters."""
    moderator = await connect("moderator")
    await moderator.request({"type": "settings", "auto_approve": True})
    asked = await run_command(url, "--ask", NASTY)
    assert (asked.returncode, asked.stdout) == (0, b"#1\n")
    for extra in ({}, {"TERM": "xterm-256color", "NO_COLOR": "1"}):
        result = await run_command(url, "--list", **extra)
        assert result.returncode == 0
        assert b"\x1b" not in result.stdout
        assert b"[bold red]hi[/]" in result.stdout
        assert b"owned" not in result.stdout


async def test_vote_and_unvote_print_the_new_count(capsys, connect, url: str) -> None:
    """``--vote ID`` counts a vote, says when it was already given; ``--unvote`` takes it back."""
    moderator = await connect("moderator")
    await moderator.request({"type": "settings", "auto_approve": True})
    await (await connect()).ask("What about Qwen?")
    voted = await run_cli(capsys, url, "--vote", "1")
    assert (voted.code, voted.out) == (0, "Voted for #1 (1 vote).\n")
    again = await run_cli(capsys, url, "--vote", "1")
    assert (again.code, again.out) == (
        0,
        "You already voted for #1 (1 vote); --unvote 1 takes it back.\n",
    )
    unvoted = await run_cli(capsys, url, "--unvote", "1")
    assert (unvoted.code, unvoted.out) == (0, "Took back your vote on #1 (0 votes).\n")


async def test_vote_for_a_missing_question_exits_one(capsys, url: str) -> None:
    """Voting for a number that does not exist is refused with the hub's reason."""
    result = await run_cli(capsys, url, "--vote", "7")
    assert result.code == 1
    assert one_line(result.err) == "fireside-ask: There is no question #7."


async def test_unwritable_config_directory_does_not_stop_a_question(
    capsys,
    url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """When the id cannot be saved, the question is still sent."""
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("")
    monkeypatch.setenv("FIRESIDE_ASK_CONFIG_DIR", str(blocker / "fireside-ask"))
    result = await run_cli(capsys, url, "--ask", "Still works?")
    assert (result.code, result.out) == (0, "#1\n")


async def _tls_proxy(target_port: int, context: ssl.SSLContext) -> asyncio.Server:
    """Terminate TLS and pass the bytes on to the hub, as nginx or Caddy would."""

    async def pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(OSError):
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        writer.close()

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection("127.0.0.1", target_port)
        except OSError:
            writer.close()
            return
        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))

    return await asyncio.start_server(handle, "127.0.0.1", 0, ssl=context)


async def test_wss_hub_with_its_own_ca_needs_cafile(capsys, hub: Hub, tmp_path: Path) -> None:
    """A wss:// hub with a private certificate works with --cafile, and says why without."""
    ca = trustme.CA()
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(context)
    ca_file = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    proxy = await _tls_proxy(hub.port, context)
    address = f"wss://127.0.0.1:{proxy.sockets[0].getsockname()[1]}"
    try:
        untrusted = await run_cli(capsys, address, "--ask", "Secure?")
        trusted = await run_cli(capsys, address, "--cafile", str(ca_file), "--ask", "Secure?")
    finally:
        proxy.close()
    assert untrusted.code == 3
    assert "is not trusted" in one_line(untrusted.err) and "--cafile" in untrusted.err
    assert (trusted.code, trusted.out, trusted.err) == (0, "#1\n", "")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["http://example.org", "--list"],
            "'http://example.org' is not a ws:// or wss:// address.",
        ),
        (["ws://h:1", "--cafile", "ca.pem", "--list"], "--cafile is for wss:// addresses only."),
        (
            ["wss://h:1", "--cafile", "/no/such/ca.pem", "--list"],
            "--cafile /no/such/ca.pem: no such",
        ),
        (["--list"], "which hub?"),
        (["h:1", "--list", "--timeout", "0"], "--timeout must be more than 0 seconds."),
    ],
)
async def test_usage_errors_exit_two_with_one_line(capsys, monkeypatch, args, message) -> None:
    """A wrong address or option is explained in one line, with exit code 2."""
    monkeypatch.delenv("FIRESIDE_HUB", raising=False)
    result = await run_cli(capsys, *args)
    assert result.code == 2
    assert message in one_line(result.err)


async def test_bad_option_is_a_usage_error(capsys) -> None:
    """An option that does not exist shows the usage and exits with 2."""
    result = await run_cli(capsys, "--nope")
    assert result.code == 2
    assert "unrecognized arguments: --nope" in result.err


async def test_help_shows_examples_and_exit_codes(capsys) -> None:
    """``--help`` ends with examples and the meaning of each exit code."""
    result = await run_cli(capsys, "--help")
    assert result.code == 0
    assert "examples:\n  fireside-ask 192.168.1.20" in result.out
    assert '--ask "What about Qwen?"' in result.out
    for line in ("0    done", "1    the hub refused", "2    usage error", "3    hub unreachable"):
        assert line in result.out


async def test_help_starts_without_importing_the_network_or_terminal_libraries() -> None:
    """``fireside-ask --help`` answers at once: it never loads websockets, rich or asyncio."""
    probe = (
        "import sys; from fireside_ask.cli import main; "
        "code = main(['--help']); "
        "heavy = sorted(m for m in ('websockets', 'rich', 'asyncio') if m in sys.modules); "
        "sys.stderr.write(repr(heavy)); sys.exit(code)"
    )
    result = await anyio.run_process([sys.executable, "-c", probe], check=False, env=command_env())
    assert result.returncode == 0
    assert result.stderr.decode() == "[]"
    assert b"examples:" in result.stdout


async def test_hub_address_can_come_from_the_environment(capsys, monkeypatch, url: str) -> None:
    """With $FIRESIDE_HUB set, the address can be left out."""
    monkeypatch.setenv("FIRESIDE_HUB", url.removeprefix("ws://"))
    result = await run_cli(capsys, "--ask", "From the environment?")
    assert (result.code, result.out) == (0, "#1\n")
