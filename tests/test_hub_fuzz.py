"""Garbage never takes the hub down, and question text from strangers is always inert.

The frame fuzzer drives one long-lived hub that runs on its own event loop in a background
thread (Hypothesis and async fixtures do not mix): each example is a plain function that hands
its batch of frames to that loop and waits. Hypothesis draws structured frames, which is
precise but slow (milliseconds each), so each example also sends cheap mutations of its
frames, from a ``random.Random`` seeded by Hypothesis. Examples are derandomized: every run
sends the same frames.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
import random
import sqlite3
import string
import threading
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from websockets.asyncio.client import ClientConnection
from websockets.asyncio.client import connect as ws_connect
from websockets.exceptions import ConnectionClosed

from fireside.clock import COMMANDS as CLOCK_COMMANDS
from fireside.hub import Hub, HubConfig
from fireside_ask import protocol as p
from fireside_ask.text import clean_text

from .wsclient import RawClient

pytestmark = pytest.mark.usefixtures("anyio_backend")

FUZZ_TOKEN = "fuzz-moderator-token"
FRAMES_WANTED = 10_000
REPLY_DEADLINE = 5.0
"""Seconds the hub may take to answer one frame before the fuzzer calls it hung."""


# --- the long-lived hub ---------------------------------------------------------------


class ErrorLog(logging.Handler):
    """Collects every ERROR the hub logs: an internal failure is a bug even if it recovers."""

    def __init__(self) -> None:
        super().__init__(level=logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


class BackgroundHub:
    """A real hub on its own event loop in a thread, shared by every Hypothesis example."""

    def __init__(self, config: HubConfig) -> None:
        self.config = config
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="fuzz-hub", daemon=True)
        self.hub = Hub(config)

    def run(self, coroutine: Any) -> Any:
        future: Future[Any] = asyncio.run_coroutine_threadsafe(coroutine, self.loop)
        return future.result(30)

    def __enter__(self) -> BackgroundHub:
        self.thread.start()
        self.run(self.hub.start())
        return self

    def __exit__(self, *exc: object) -> None:
        self.run(self.hub.close())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)
        self.loop.close()

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.hub.port}"


@pytest.fixture(scope="module")
def fuzz_hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BackgroundHub]:
    config = HubConfig(
        db_path=tmp_path_factory.mktemp("fuzz") / "fuzz.db",
        host="127.0.0.1",
        port=0,
        token=FUZZ_TOKEN,
        # The fuzzer sends wrong tokens on purpose; from one address they would otherwise
        # lock its own moderator connection out for a minute.
        auth_failures_per_minute=10**9,
        # Let random asks and votes through, so random moderator actions find questions to
        # act on (the limits themselves are tested in test_hub_moderation.py).
        questions_per_minute=10**6,
        votes_per_minute=10**6,
    )
    with BackgroundHub(config) as running:
        yield running


# --- what the fuzzer sends ------------------------------------------------------------

ID_CHARS = string.ascii_letters + string.digits + "_.:-"
ALL_TYPES = sorted(p.ALL_REQUESTS | {"hello"})
JUNK_TYPES = [
    "",
    " ",
    "HELLO",
    "Ask",
    "ask ",
    "dance",
    "__proto__",
    "constructor",
    "ack",
    "error",
    "welcome",
    "ask\x00",
    "\u202eksa",
    "💥",
    "x" * 300,
]

scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=30))
json_values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4)
    ),
    max_leaves=8,
)
surrogates = st.lists(st.integers(0xD800, 0xDFFF).map(chr) | st.characters(), max_size=8).map(
    "".join
)
"""Lone surrogates: valid inside JSON as ``\\udXXX`` escapes, unencodable as UTF-8."""


@st.composite
def nasty_text(draw: st.DrawFn, max_pieces: int = 12) -> str:
    """Text mixing terminal escapes, C1 controls, bidi and zero-width characters, emoji,
    Rich markup and Markdown syntax with ordinary words."""
    pieces = st.one_of(
        st.text(max_size=8),
        st.sampled_from(
            [
                "\x1b[31m",
                "\x1b[2J",
                "\x1b[0m",
                "\x1b[?1049h",
                "\x1b[1;31;40m",
                "\x1b[",
                "\x1b]0;owned\x07",
                "\x1b]8;;https://evil.example\x1b\\",
                "\x1b]52;c;aGk=\x07",
                "\x1b]0;unterminated",
                "\x1bP1$r\x1b\\",
                "\x1bPq#0;2;0;0;0",
                "\x1b_apc\x1b\\",
                "\x1b^pm\x9c",
                "\x1bX sos \x9c",
                "\x1bc",
                "\x1b(B",
                "\x1b7",
                "\x1b",
                "\x9b31m",
                "\x9d0;t\x9c",
                "\x90dcs\x9c",
                "\x85",
                "\x07",
                "\x00",
                "\x7f",
                "\r",
                "\b",
                "\u202a",
                "\u202b",
                "\u202c",
                "\u202d",
                "\u202e",
                "\u2066",
                "\u2067",
                "\u2068",
                "\u2069",
                "\u200b",
                "\u200c",
                "\u200d",
                "\u200e",
                "\u200f",
                "\u2060",
                "\ufeff",
                "\U000e0041",
                "\U000e0001",
                "\u00ad",
                "\u061c",
                "👩",
                "💻",
                "👍",
                "🏽",
                "❤",
                "\U0001fffe",
                "\U0001f9ff",
                "[bold red]",
                "[/]",
                "[link=https://evil.example]",
                "[/link]",
                "\\[escaped]",
                "**bold**",
                "# heading",
                "[a](https://evil.example)",
                "![i](x.png)",
                "<b>",
                "</script>",
                "| a | b |",
                "`code`",
                "---",
                "> quote",
                "&amp;",
                " ",
                "\t",
            ]
        ),
        st.integers(0x80, 0x9F).map(chr),
    )
    return "".join(draw(st.lists(pieces, max_size=max_pieces)))


long_texts = st.tuples(
    st.sampled_from(["x", "é", "👍", " ", "\x1b[1m", "\u200b"]), st.integers(480, 520)
).map(lambda t: t[0] * t[1])
"""Around the 500-character limit, cheaply (drawing 500 characters one by one is slow)."""
texts = st.one_of(st.text(max_size=40), nasty_text(), long_texts, surrogates, json_values)
question_ids = st.one_of(st.integers(-1, 30), st.integers(), json_values)
ids = st.text(ID_CHARS, min_size=1, max_size=64)
FIELDS: dict[str, st.SearchStrategy[Any]] = {
    "request_id": st.one_of(ids, ids.map(lambda s: s + "\n"), st.text(max_size=70), json_values),
    "question_id": question_ids,
    "into": question_ids,
    "text": texts,
    "topic": texts,
    "up": st.booleans() | json_values,
    "pinned": st.booleans() | json_values,
    "auto_approve": st.booleans() | json_values,
    "action": st.sampled_from([*CLOCK_COMMANDS, "explode", ""]) | json_values,
    # Bounded: a positive adjustment past 1.8e308 s bricks the hub, see
    # test_huge_clock_adjustment_does_not_brick_the_hub (lift the bound once fixed).
    "seconds": st.integers(-(10**9), 10**9) | st.floats() | json_values,
    "protocol": st.just(1) | json_values,
    "role": st.sampled_from(p.ROLES) | json_values,
    "client_id": st.one_of(
        st.text(ID_CHARS, min_size=8, max_size=64), st.text(max_size=70), json_values
    ),
    # No lone surrogates: see test_moderator_hello_with_unencodable_token_is_refused in
    # test_hub_protocol.py (add ``surrogates`` here once fixed).
    "token": st.one_of(st.just(FUZZ_TOKEN), st.text(max_size=40), json_values),
    "name": texts,
}


plausible = st.fixed_dictionaries(
    {
        "request_id": ids,
        "question_id": st.integers(1, 30),
        "into": st.integers(1, 30),
        "text": st.one_of(
            st.sampled_from(["What about Qwen?", "Is Llama open?", "Why?"]),
            nasty_text(max_pieces=4),
        ),
        "up": st.booleans(),
        "pinned": st.booleans(),
        "topic": st.sampled_from(["landscape", "qa", "other", ""]),
        "auto_approve": st.booleans(),
        "action": st.sampled_from(CLOCK_COMMANDS),
        "seconds": st.sampled_from([60, -60, 1, -3600]),
    }
)
"""Fields a real client would send, so that many requests get past validation."""


@st.composite
def messages(
    draw: st.DrawFn, kind: st.SearchStrategy[Any], base: st.SearchStrategy[dict[str, Any]]
) -> dict[str, Any]:
    """An object with a ``type`` built on ``base``, then up to two fields replaced by
    anything at all, plus junk keys."""
    message = draw(st.dictionaries(st.text(max_size=8), json_values, max_size=2))
    message.update(draw(base))
    for name in draw(st.lists(st.sampled_from(sorted(FIELDS)), max_size=2, unique=True)):
        message[name] = draw(FIELDS[name])
    message["type"] = draw(kind)
    return message


types = st.one_of(
    st.sampled_from(ALL_TYPES),
    st.sampled_from(ALL_TYPES),
    st.sampled_from(ALL_TYPES),
    st.sampled_from(JUNK_TYPES),
    st.text(max_size=12),
    json_values,
)
requests = messages(types, plausible)
junk_objects = messages(types, st.just({}))
hellos = messages(
    st.just("hello"),
    st.builds(
        lambda role, n: {
            "protocol": 1,
            "role": role,
            "client_id": f"fuzz-fresh-{n:08d}",
            **({"token": FUZZ_TOKEN} if role == "moderator" else {}),
        },
        st.sampled_from(p.ROLES),
        st.integers(0, 10**8),
    ),
)
"""Mostly valid hellos with up to two fields replaced: every branch of the handshake."""
nested = st.tuples(
    st.sampled_from(["[", '{"a":', '{"type":"ask","text":[', "[{}", "[1,"]), st.integers(1, 1500)
).map(lambda t: (t[0] * t[1])[: t[1]] + "]" * t[1])
"""Deep nesting that still fits in one frame, closed or not."""
# Never "seconds": see the bound on FIELDS["seconds"].
huge_numbers = st.tuples(
    st.sampled_from(["question_id", "into", "request_id", "up", "text"]),
    st.sampled_from(sorted(p.QUESTION_ACTIONS | {"vote", "ask"})),
    st.integers(300, 4050),
).map(lambda t: f'{{"type":"{t[1]}","{t[0]}":{"9" * t[2]}}}')


def weighted(*choices: tuple[int, st.SearchStrategy[Any]]) -> st.SearchStrategy[Any]:
    """Pick among strategies roughly in proportion to their weights."""
    return st.one_of(*[strategy for weight, strategy in choices for _ in range(weight)])


frames = weighted(
    (6, requests.map(json.dumps)),
    (1, junk_objects.map(json.dumps)),
    (1, json_values.map(json.dumps)),
    (1, st.text(st.characters(codec="utf-8"), max_size=80)),
    (1, st.binary(max_size=80)),
    (1, nested),
    (1, huge_numbers),
    (
        1,
        st.integers(p.MAX_FRAME_BYTES - 40, p.MAX_FRAME_BYTES + 200).map(
            lambda n: '{"type":"ask","request_id":"big","text":"' + "a" * n + '"}'
        ),
    ),
)
fresh_frames = st.one_of(hellos.map(json.dumps), frames)
"""First frames of brand-new connections: mostly hellos, valid or not."""


PIECES = [
    '"',
    "{",
    "}",
    "[",
    "]",
    ",",
    ":",
    "\\",
    "\\u0000",
    "\\ud800",
    "\\udfff",
    "null",
    "true",
    "-0",
    "1e999",
    "NaN",
    "-Infinity",
    "9" * 300,
    '"type"',
    '"ask"',
    '"hello"',
    "\x00",
    "\x1b[2J",
    "\x1b]0;x\x07",
    "\u202e",
    "\x85",
    " ",
    "\n",
    "💥",
    "é",
]
WEIRD_VALUES: list[Any] = [
    None,
    True,
    False,
    0,
    -1,
    1,
    2**31,
    2**63,
    -(2**63),
    10**300,
    1.5,
    -0.0,
    1e308,
    "",
    " ",
    "x" * 600,
    "\u0000",
    "\ud800",
    [],
    [[[[]]]],
    {},
    {"$gt": ""},
    ["ask"],
    "1",
    "true",
    "null",
]


def mutate(rng: random.Random, pool: list[str]) -> str | bytes:
    """One variant of a frame from ``pool``: truncated, spliced, sprinkled with JSON and
    control characters, re-typed, given a weird value, or sent as binary."""
    frame = rng.choice(pool)
    how = rng.randrange(7)
    if how == 0:
        return frame[: rng.randrange(len(frame) + 1)]
    if how == 1:
        chars = list(frame)
        for _ in range(rng.randint(1, 4)):
            chars.insert(rng.randrange(len(chars) + 1), rng.choice(PIECES))
        return "".join(chars)
    if how == 2:
        start = rng.randrange(len(frame) + 1)
        return frame[:start] + frame[rng.randrange(start, len(frame) + 1) :]
    if how == 3:
        other = rng.choice(pool)
        return frame[: rng.randrange(len(frame) + 1)] + other[rng.randrange(len(other) + 1) :]
    if how == 6:
        data = bytearray(frame.encode())
        for _ in range(rng.randint(0, 3)):
            if data:
                data[rng.randrange(len(data))] = rng.randrange(256)
        return bytes(data)
    try:
        value = json.loads(frame)
    except (ValueError, RecursionError):
        value = {}
    if not isinstance(value, dict):
        value = {"type": rng.choice(ALL_TYPES), "value": value}
    if how == 4:
        value[rng.choice([*FIELDS, "type"])] = rng.choice(WEIRD_VALUES)
    else:  # how == 5: the same fields under another type
        value["type"] = rng.choice(ALL_TYPES + JUNK_TYPES)
        value.setdefault("question_id", rng.randint(-1, 40))
    return json.dumps(value)


# --- how the fuzzer drives the hub ----------------------------------------------------

SESSION_ROLES = ("attendee", "moderator", "stage")
EXAMPLES, DRAWN, FRESH, MUTANTS = 100, 10, 1, 70
"""Per example: DRAWN frames each sent by the three roles, FRESH brand-new connections,
and MUTANTS variants each sent by one role: 100 x (30 + 1 + 70) = 10,100 frames."""


@dataclass
class Stats:
    frames: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)
    problems: list[str] = field(default_factory=list)


def size_of(frame: str | bytes) -> int:
    return len(frame.encode("utf-8") if isinstance(frame, str) else frame)


@dataclass
class Sessions:
    """The fuzzer's long-lived connections, one per role, reopened when the hub closes one."""

    url: str
    open: dict[str, ClientConnection] = field(default_factory=dict)
    opened: Iterator[int] = field(default_factory=itertools.count)

    async def get(self, role: str) -> ClientConnection:
        if role not in self.open:
            # A new client id per connection, so rate limits still let some questions in.
            client_id = f"fuzz-{role}-{next(self.opened):05d}"
            ws = await ws_connect(self.url, max_size=None, open_timeout=REPLY_DEADLINE)
            token = FUZZ_TOKEN if role == "moderator" else None
            await ws.send(json.dumps(p.hello(role, client_id, token=token)))
            welcome = json.loads(await asyncio.wait_for(ws.recv(), REPLY_DEADLINE))
            assert welcome["type"] == "welcome", welcome
            self.open[role] = ws
        return self.open[role]

    async def send(self, role: str, frame: str | bytes, stats: Stats) -> None:
        """Send one frame as ``role``; if the hub had just closed that connection for earlier
        bad frames, the frame never arrived, so send it again on a new one."""
        stats.frames += 1
        for _attempt in range(2):
            outcome = await exchange(await self.get(role), frame, stats)
            if outcome == "answered":
                return
            del self.open[role]
            if outcome != "retry":
                return

    async def close(self) -> None:
        for ws in self.open.values():
            await ws.close()
        self.open.clear()


async def exchange(ws: ClientConnection, frame: str | bytes, stats: Stats) -> str:
    """Send one frame and wait for its one answer; say what happened to the connection."""
    try:
        await ws.send(frame)
        while True:
            reply = json.loads(await asyncio.wait_for(ws.recv(), REPLY_DEADLINE))
            if reply["type"] in ("ack", "error", "pong"):
                stats.outcomes[reply.get("code") or reply["type"]] += 1
                return "answered"
    except ConnectionClosed:
        pass
    except TimeoutError:
        stats.problems.append(f"no answer within {REPLY_DEADLINE}s to {frame[:200]!r}")
        return "broken"
    code, reason = ws.close_code, ws.close_reason
    stats.outcomes[f"close {code}"] += 1
    if code == p.CLOSE_TOO_BIG and size_of(frame) > p.MAX_FRAME_BYTES:
        return "closed"
    if code == p.CLOSE_POLICY:  # closed for too many bad frames before this one
        return "retry"
    stats.problems.append(f"closed with {code} {reason!r} after {frame[:200]!r}")
    return "broken"


async def first_frame(url: str, frame: str | bytes, stats: Stats) -> None:
    """Open a brand-new connection whose very first frame is ``frame``."""
    stats.frames += 1
    async with ws_connect(url, max_size=None, open_timeout=REPLY_DEADLINE) as ws:
        await ws.send(frame)
        try:
            reply = json.loads(await asyncio.wait_for(ws.recv(), REPLY_DEADLINE))
        except ConnectionClosed:
            if not (ws.close_code == p.CLOSE_TOO_BIG and size_of(frame) > p.MAX_FRAME_BYTES):
                stats.problems.append(f"hello {frame[:200]!r} closed with {ws.close_code}")
            return
        except TimeoutError:
            stats.problems.append(f"no answer to hello {frame[:200]!r}")
            return
        stats.outcomes[f"hello {reply.get('code') or reply['type']}"] += 1
        if reply["type"] == "welcome":
            return
        try:
            while True:
                await asyncio.wait_for(ws.recv(), REPLY_DEADLINE)
        except ConnectionClosed:
            if ws.close_code != p.CLOSE_POLICY:
                stats.problems.append(f"refused hello closed with {ws.close_code}")
        except TimeoutError:
            stats.problems.append(f"refused hello {frame[:200]!r} left open")


async def drive(
    sessions: Sessions, drawn: list[str | bytes], fresh: list[str | bytes], seed: int, stats: Stats
) -> None:
    """Send one example's frames; this runs on the hub's own event loop."""
    for frame in drawn:
        for role in SESSION_ROLES:
            await sessions.send(role, frame, stats)
    for frame in fresh:
        await first_frame(sessions.url, frame, stats)
    rng = random.Random(seed)
    pool = [frame for frame in drawn if isinstance(frame, str) and frame] or ["{}"]
    for _ in range(MUTANTS):
        await sessions.send(rng.choice(SESSION_ROLES), mutate(rng, pool), stats)


def test_hub_survives_ten_thousand_random_frames(fuzz_hub: BackgroundHub) -> None:
    """After 10,000 garbage frames the hub still welcomes and confirms a newcomer's question."""
    stats = Stats()
    errors = ErrorLog()
    logger = logging.getLogger("fireside")
    logger.addHandler(errors)
    sessions = Sessions(fuzz_hub.url)

    @settings(
        max_examples=EXAMPLES,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        print_blob=True,
    )
    @given(
        drawn=st.lists(frames, min_size=DRAWN, max_size=DRAWN),
        fresh=st.lists(fresh_frames, min_size=FRESH, max_size=FRESH),
        seed=st.integers(0, 2**32 - 1),
    )
    def send_batch(drawn: list[str | bytes], fresh: list[str | bytes], seed: int) -> None:
        fuzz_hub.run(drive(sessions, drawn, fresh, seed, stats))
        assert not stats.problems, stats.problems[0]

    try:
        send_batch()
    finally:
        logger.removeHandler(errors)
        fuzz_hub.run(sessions.close())

    print(stats.frames, "frames:", dict(stats.outcomes.most_common()))
    assert stats.frames >= FRAMES_WANTED, stats
    assert errors.records == [], [r.getMessage() for r in errors.records[:3]]
    assert fuzz_hub.thread.is_alive()
    # The fuzzer really exercised the hub, not only its JSON parser.
    seen = set(stats.outcomes)
    assert {
        "ack",
        "pong",
        p.BAD_MESSAGE,
        p.UNKNOWN_TYPE,
        p.NOT_ALLOWED,
        p.NOT_FOUND,
        p.INVALID_STATE,
        p.EMPTY,
        p.TOO_LONG,
        "close 1008",
        "close 1009",
        "hello welcome",
        "hello bad_message",
    } <= seen, stats
    assert stats.outcomes["ack"] >= 25, stats

    async def newcomer() -> None:
        client = await RawClient.open(fuzz_hub.url, client_id="after-the-storm")
        assert client.welcome["type"] == "welcome"
        reply = await client.ask("Still standing?")
        assert reply["type"] == "ack", reply
        moderator = await RawClient.open(fuzz_hub.url, role="moderator", token=FUZZ_TOKEN)
        assert moderator.welcome["type"] == "welcome"
        assert any(q["text"] == "Still standing?" for q in moderator.welcome["questions"])
        await client.close()
        await moderator.close()

    fuzz_hub.run(newcomer())

    conn = sqlite3.connect(fuzz_hub.config.db_path)
    try:
        stored = [row[0] for row in conn.execute("SELECT text FROM questions")]
        orphans = conn.execute(
            "SELECT COUNT(*) FROM votes WHERE question_id NOT IN (SELECT id FROM questions)"
        ).fetchone()[0]
    finally:
        conn.close()
    assert len(stored) > 1 and orphans == 0
    for text in stored:
        assert 1 <= len(text) <= 500 and text == text.strip()
        assert_inert(text)


# --- inert text -----------------------------------------------------------------------

ZWJ = "\u200d"


def assert_inert(text: str) -> None:
    """No escape, control or invisible format character is left that a terminal would act on."""
    assert "\x1b" not in text
    for char in text:
        category = unicodedata.category(char)
        assert category != "Cc", f"control {char!r} in {text!r}"
        assert category != "Cf" or char == ZWJ, f"format char {char!r} in {text!r}"
        assert category not in ("Cs", "Cn"), f"{char!r} in {text!r}"


def is_pictograph(char: str) -> bool:
    """Emoji and symbols an emoji ZWJ sequence can join (skin tones are Sk)."""
    category = unicodedata.category(char)
    return category in ("So", "Sk") or (ord(char) >= 0x1F000 and category[0] not in "CZ")


@settings(max_examples=400, derandomize=True, database=None, deadline=None)
@given(nasty_text(max_pieces=30))
@example("\x1b]0;owned\x07[bold red]hi[/]")
@example("\x1b]8;;https://evil.example\x07click me\x1b]8;;\x07")
@example("\u202egnp.exe\u202c")
def test_cleaned_text_contains_no_control_escape_or_bidi_character(raw: str) -> None:
    """Whatever an attendee types, no escape, control, bidi or zero-width trick survives."""
    cleaned = clean_text(raw)
    assert_inert(cleaned)
    assert cleaned == cleaned.strip()
    assert "  " not in cleaned
    assert unicodedata.normalize("NFC", cleaned) == cleaned


MARKUP = st.text(
    alphabet=string.ascii_letters + string.digits + " []/*_#`|<>!()=&;:.,-~\\", max_size=80
)


@settings(max_examples=200, derandomize=True, database=None)
@given(MARKUP)
def test_markup_and_markdown_are_kept_literally(raw: str) -> None:
    """Rich markup and Markdown syntax are ordinary characters: cleaning never touches them."""
    assert clean_text(raw) == " ".join(raw.split())


@settings(max_examples=200, derandomize=True, database=None)
@given(nasty_text())
@example("👍\u200d\U000e0001")
@example("👍\u200d\U0001fffex")
def test_zero_width_joiner_survives_only_inside_emoji_sequences(raw: str) -> None:
    """A zero-width joiner is kept only between two emoji, never dangling or next to a letter."""
    cleaned = clean_text(raw)
    for index, char in enumerate(cleaned):
        if char == ZWJ:
            assert 0 < index < len(cleaned) - 1, f"dangling joiner in {cleaned!r}"
            assert is_pictograph(cleaned[index - 1]) and is_pictograph(cleaned[index + 1]), (
                f"joiner outside an emoji sequence in {cleaned!r}"
            )


async def test_osc_title_escape_is_stored_and_shown_as_plain_markup_text(
    connect: Callable[..., Any], hub_config: HubConfig
) -> None:
    """A title escape plus Rich markup is stored and shown as the literal "[bold red]hi[/]"."""
    moderator = await connect(role="moderator")
    attendee = await connect()
    reply = await attendee.ask("\x1b]0;owned\x07[bold red]hi[/]")
    assert reply["type"] == "ack"
    pushed = await moderator.expect("question")
    assert pushed["question"]["text"] == "[bold red]hi[/]"
    assert pushed["question"]["original_text"] == "[bold red]hi[/]"

    conn = sqlite3.connect(Path(hub_config.db_path))
    try:
        row = conn.execute(
            "SELECT text, original_text FROM questions WHERE id = ?", [reply["question_id"]]
        ).fetchone()
    finally:
        conn.close()
    assert row == ("[bold red]hi[/]", "[bold red]hi[/]")


async def test_huge_clock_adjustment_does_not_brick_the_hub(
    connect: Callable[..., Any], url: str
) -> None:
    """An absurd segment extension is refused or absorbed; attendees can still join after it."""
    moderator = await connect(role="moderator")
    huge = "1" + "0" * 309  # seconds: more than a float can hold
    await moderator.send(
        '{"type":"clock","action":"adjust","request_id":"c1","seconds":' + huge + "}"
    )
    answer = await _reply_to(moderator, "c1")
    assert answer["type"] in ("ack", "error"), answer
    newcomer = await RawClient.open(url)
    assert newcomer.welcome["type"] == "welcome", newcomer.welcome
    await newcomer.close()


async def _reply_to(client: RawClient, request_id: str) -> dict[str, Any]:
    """The ack or error for ``request_id``, or a clear failure if the hub hung up instead."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + REPLY_DEADLINE
    while True:
        for index, message in enumerate(client.backlog):
            if message.get("request_id") == request_id and message["type"] in ("ack", "error"):
                return client.backlog.pop(index)
        try:
            client.backlog.append(
                json.loads(
                    await asyncio.wait_for(client.ws.recv(), max(0.0, deadline - loop.time()))
                )
            )
        except ConnectionClosed:
            pytest.fail(
                f"the hub closed the moderator's connection with "
                f"{client.ws.close_code} instead of answering"
            )
