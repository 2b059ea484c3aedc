"""The reference session played through a real hub, from the first question to the end.

Used by the export's golden-file tests. Everything goes over the wire protocol with plain
blocking ``websockets`` clients: attendees ask and vote, the moderator triages, puts
questions on air and drives the segment clock. The hub runs on its own thread with a
frozen clock that the script moves by hand, so every stored time is the same on every run.

What the session holds, so that the record has something to say in each of its parts:
32 questions in every state (pending, approved, rejected, on air, answered, one answered
without going on air), two merges (one target with votes on both sides), an edit, a reject
that was undone, free topics beside the agenda's, names on some questions, markup, HTML,
links and an e-mail address typed as questions, non-Latin scripts and emoji. On the clock:
an overrun, a pause, an extension, an on-time segment and an early end of the Q&A.
"""

from __future__ import annotations

import sqlite3
import time
import uuid
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from websockets.sync.client import ClientConnection, connect

from fireside.hub import HubConfig
from fireside.runner import HubThread
from fireside_ask import protocol as p


def at(clock_time: str) -> float:
    """A time of the session day (Munich, summer time) as a timestamp."""
    return datetime.fromisoformat(f"2026-04-14T{clock_time}+02:00").timestamp()


# (time asked, text, name, client): questions with the same client come from one person.
QUESTIONS: list[tuple[str, str, str | None, str | None]] = [
    ("10:25:10", "Is Qwen better than Llama now for most practical tasks?", "Ada", None),
    ("10:26:00", "Why did DeepSeek's release cause such a stir?", None, None),
    ("10:27:30", "中国的开源模型在欧洲企业中能放心使用吗？", None, None),
    ("10:28:40", "Will the slides be shared after the talk?", "Tom", None),
    ("10:30:30", "How far behind the frontier are the best open models?", "Grace", None),
    ("10:31:40", "Is it true that Qwen beats Llama on most tasks now?", None, None),
    (
        "10:32:20",
        "<script>alert('hi')</script> Is <b>HTML</b> escaped in the record?",
        None,
        None,
    ),
    ("10:33:00", "Buy followers now!!! cheap-likes.example", None, None),
    ("10:34:00", "Do open models close the gap on coding tasks? 👩‍💻", "Linus", None),
    ("10:36:10", "Wie gut sind offene Modelle auf Deutsch, ehrlich gesagt? 🇩🇪", None, None),
    (
        "10:37:00",
        "[Click here](https://evil.example) ![img](https://evil.example/x.png) "
        "www.evil.example or mail me@evil.example",
        "<img src=x onerror=alert(1)>",
        None,
    ),
    ("10:39:30", "How do you test a model for political censorship?", "Lea", None),
    ("10:40:10", "What biases come from English-heavy training data?", None, None),
    ("10:41:30", "日本語の性能はオープンモデルでどのくらいですか？", "Yuki", None),
    ("10:43:00", "Who is accountable when a biased answer reaches a customer?", None, None),
    ("10:44:00", "asdfgh", None, None),
    ("10:45:00", "Are agents in production anywhere, or still demos? 🤖", None, None),
    ("10:47:20", "Is MCP becoming the standard for tool use?", "Mia", None),
    (
        "10:48:00",
        "# Not a heading | not | a table | **not bold** _not italic_ `not code` "
        "~~not struck~~ &amp; stays &amp;",
        None,
        None,
    ),
    ("10:49:00", "Are we seeing diminishing returns from scaling?", None, None),
    (
        "10:50:50",
        "What GPU budget does a mid-size company need for a 70B model?",
        "Katie",
        "katie",
    ),
    ("10:51:30", "vLLM, llama.cpp or Ollama for production?", None, None),
    ("10:52:10", "Does 4-bit quantisation hurt quality much?", None, None),
    ("10:53:30", "What does GDPR mean for self-hosting LLMs?", "Katie", "katie"),
    ("10:56:00", "Are the slides going to be online?", None, None),
    ("10:58:00", "Какие модели вы бы выбрали для русского языка?", None, None),
    ("11:01:00", "هل النماذج المفتوحة جيدة باللغة العربية؟", None, None),
    (
        "11:04:00",
        "1. Is this a list? > Or a quote? \\ Or a backslash? --- <!-- a comment -->",
        None,
        None,
    ),
    ("11:07:00", "Is on-prem worth it, or is a European cloud enough?", "Sebastian fan", None),
    ("11:10:00", "What would you tell a CTO who wants to wait?", None, None),
    ("11:13:00", "Which open model family would you bet on for a two-year roadmap?", None, None),
    ("11:14:00", "Do you recommend a book to get started? 📚", None, None),
]

# (time, message) sent by the moderator; the clock's and the questions' actions interleave.
MODERATOR: list[tuple[str, dict[str, Any]]] = [
    ("10:29:00", {"type": "approve", "question_id": 1}),
    ("10:29:05", {"type": "approve", "question_id": 2}),
    ("10:29:10", {"type": "approve", "question_id": 3}),
    ("10:29:15", {"type": "approve", "question_id": 4}),
    ("10:30:00", {"type": "clock", "action": "start"}),
    ("10:30:50", {"type": "approve", "question_id": 5}),
    ("10:31:00", {"type": "on_air", "question_id": 1}),
    ("10:32:00", {"type": "approve", "question_id": 6}),
    ("10:32:40", {"type": "approve", "question_id": 7}),
    ("10:33:05", {"type": "reject", "question_id": 8}),
    ("10:33:10", {"type": "on_air", "question_id": 5}),
    ("10:34:10", {"type": "approve", "question_id": 9}),
    # Votes of the early voters land here (see EARLY_VOTES), then the duplicate is merged.
    ("10:35:00", {"type": "merge", "question_id": 6, "into": 1}),
    ("10:35:50", {"type": "clock", "action": "next"}),
    ("10:36:20", {"type": "approve", "question_id": 10}),
    ("10:36:30", {"type": "on_air", "question_id": 10}),
    ("10:37:30", {"type": "approve", "question_id": 11}),
    ("10:38:00", {"type": "clock", "action": "pause"}),
    ("10:39:00", {"type": "clock", "action": "resume"}),
    ("10:39:40", {"type": "on_air", "question_id": 9}),
    ("10:39:50", {"type": "approve", "question_id": 12}),
    ("10:41:00", {"type": "clock", "action": "next"}),
    ("10:41:10", {"type": "reject", "question_id": 13}),
    ("10:41:15", {"type": "undo"}),
    ("10:41:20", {"type": "approve", "question_id": 13}),
    ("10:41:40", {"type": "approve", "question_id": 14}),
    ("10:42:00", {"type": "clock", "action": "adjust", "seconds": 60}),
    ("10:42:30", {"type": "on_air", "question_id": 12}),
    ("10:43:20", {"type": "approve", "question_id": 15}),
    ("10:44:10", {"type": "reject", "question_id": 16}),
    ("10:44:30", {"type": "on_air", "question_id": 15}),
    ("10:45:10", {"type": "approve", "question_id": 17}),
    ("10:46:40", {"type": "clock", "action": "next"}),
    ("10:47:30", {"type": "on_air", "question_id": 17}),
    ("10:47:40", {"type": "approve", "question_id": 18}),
    ("10:48:20", {"type": "approve", "question_id": 19}),
    ("10:48:45", {"type": "on_air", "question_id": 18}),
    ("10:50:25", {"type": "clock", "action": "next"}),
    ("10:51:00", {"type": "approve", "question_id": 21}),
    ("10:51:10", {"type": "on_air", "question_id": 21}),
    ("10:51:40", {"type": "approve", "question_id": 22}),
    ("10:52:20", {"type": "approve", "question_id": 23}),
    (
        "10:52:40",
        {
            "type": "edit",
            "question_id": 23,
            "text": "Does 4-bit quantisation hurt answer quality much?",
        },
    ),
    ("10:53:00", {"type": "on_air", "question_id": 23}),
    ("10:53:40", {"type": "approve", "question_id": 24}),
    ("10:54:55", {"type": "clock", "action": "next"}),
    ("10:56:10", {"type": "merge", "question_id": 25, "into": 4}),
    ("10:56:30", {"type": "on_air", "question_id": 2}),
    ("10:58:10", {"type": "approve", "question_id": 26}),
    ("10:59:00", {"type": "answered", "question_id": 4}),
    ("11:00:00", {"type": "on_air", "question_id": 14}),
    ("11:01:10", {"type": "approve", "question_id": 27}),
    ("11:04:10", {"type": "approve", "question_id": 28}),
    ("11:05:00", {"type": "on_air", "question_id": 26}),
    ("11:07:10", {"type": "approve", "question_id": 29}),
    ("11:09:00", {"type": "on_air", "question_id": 29}),
    ("11:10:10", {"type": "approve", "question_id": 30}),
    ("11:12:00", {"type": "on_air", "question_id": 7}),
    ("11:14:00", {"type": "on_air", "question_id": 22}),
    ("11:15:25", {"type": "clock", "action": "next"}),
]

#: The topic the moderator gave each question (agenda ids, free topics and "other").
TOPICS = {
    1: "landscape", 2: "landscape", 3: "landscape", 4: "organisation", 5: "gap",
    7: "other", 9: "gap", 10: "gap", 11: "other", 12: "bias", 13: "bias", 14: "gap",
    15: "bias", 17: "agents", 18: "agents", 19: "other", 21: "deployment",
    22: "deployment", 23: "deployment", 24: "regulation", 26: "gap", 27: "gap",
    28: "other", 29: "deployment", 30: "strategy",
}  # fmt: skip

#: At 10:34:30, three attendees vote on #1 and on its duplicate #6 (merged at 10:35).
EARLY_VOTES = [(1, 6), (6,), (1,)]
#: After the end, attendee k of twelve votes for the first k+1 of these.
LATE_VOTES = (24, 3, 11, 28, 30, 13, 27, 19, 1, 21, 5, 9)
LATE_VOTERS = len(LATE_VOTES)


class Wire:
    """A blocking protocol client, as an attendee or as the moderator."""

    def __init__(
        self,
        url: str,
        *,
        role: str = "attendee",
        token: str | None = None,
        name: str | None = None,
        client_id: str | None = None,
    ) -> None:
        # Entered as a context manager (closed in ``close``), as websockets asks. No limit
        # on the incoming queue: a client that reads only its acks would otherwise stall
        # the closing handshake behind the updates it never read.
        self.ws: ClientConnection = connect(url, max_size=None, max_queue=None).__enter__()
        self.ws.send(p.encode(p.hello(role, client_id or uuid.uuid4().hex, name, token)))
        self.welcome: dict[str, Any] = dict(p.decode_message(self.ws.recv(timeout=5)))
        assert self.welcome["type"] == "welcome", self.welcome
        self._next = 0

    def request(self, message: dict[str, Any]) -> dict[str, Any]:
        """Send one request and return its ack (anything else fails the build)."""
        self._next += 1
        request_id = f"x{self._next}"
        self.ws.send(p.encode({**message, "request_id": request_id}))
        while True:
            reply: dict[str, Any] = dict(p.decode_message(self.ws.recv(timeout=5)))
            if reply.get("request_id") == request_id and reply["type"] in ("ack", "error"):
                assert reply["type"] == "ack", (message, reply)
                return reply

    def close(self) -> None:
        self.ws.close()


def wait_for(condition: Callable[[], bool], what: str, within: float = 10.0) -> None:
    """Poll ``condition`` until it holds; fail loudly after ``within`` seconds."""
    deadline = time.monotonic() + within
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out waiting for {what}")
        time.sleep(0.01)


def _stored_peak(db_path: Path) -> int:
    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    try:
        row = conn.execute("SELECT value FROM meta WHERE key = 'peak_connected'").fetchone()
    finally:
        conn.close()
    return int(row[0]) if row else 0


def play_session(runner: HubThread, now: list[float], db_path: Path) -> None:
    """Play the whole session through the hub that ``runner`` started."""
    hub = runner.hub
    assert hub is not None
    url = f"ws://127.0.0.1:{hub.port}"
    moderator = Wire(url, role="moderator", token=hub.token)
    clients: dict[str, Wire] = {}
    steps: list[tuple[float, int, Callable[[], None]]] = []

    def ask(text: str, name: str | None, client: str | None) -> None:
        wire = clients.get(client) if client else None
        if wire is None:
            wire = Wire(url, name=name)
            if client:
                clients[client] = wire
        reply = wire.request({"type": "ask", "text": text})
        assert reply["question_id"] == len(asked) + 1
        asked.append(reply["question_id"])
        if not client:
            wire.close()

    def early_votes() -> None:
        for choices in EARLY_VOTES:
            voter = Wire(url)
            for question_id in choices:
                voter.request({"type": "vote", "question_id": question_id})
            voter.close()

    asked: list[int] = []
    for order, (when, text, name, client) in enumerate(QUESTIONS):
        steps.append((at(when), order, lambda t=text, n=name, c=client: ask(t, n, c)))
    for order, (when, message) in enumerate(MODERATOR, start=len(steps)):
        steps.append((at(when), order, lambda m=message: _ok(moderator.request(m))))
    steps.append((at("10:34:30"), len(steps), early_votes))
    for moment, _, step in sorted(steps, key=lambda s: (s[0], s[1])):
        now[0] = moment
        step()
    for question_id, topic in TOPICS.items():
        moderator.request({"type": "topic", "question_id": question_id, "topic": topic})
    for wire in clients.values():
        wire.close()

    # Twelve attendees connected at once after the end: the peak, with nobody else around.
    now[0] = at("11:16:00")
    wait_for(lambda: _connected(runner) == 0, "the earlier attendees to leave")
    voters = [Wire(url) for _ in range(LATE_VOTERS)]
    for count, voter in enumerate(voters, start=1):
        for question_id in LATE_VOTES[:count]:
            voter.request({"type": "vote", "question_id": question_id})
    voters[0].request({"type": "vote", "question_id": 25})  # merged into #4: a vote for #4
    wait_for(lambda: _stored_peak(db_path) == LATE_VOTERS, "the peak to be stored")
    for voter in voters:
        voter.close()
    moderator.close()


def _ok(reply: dict[str, Any]) -> None:
    assert reply["type"] == "ack"


def _connected(runner: HubThread) -> int:
    assert runner.hub is not None
    try:
        return runner.hub.connected
    except RuntimeError:  # the hub's thread changed the set while we counted
        return -1


def build_session_db(db_path: Path) -> str:
    """Create ``db_path`` holding the whole session; return the moderator token stored."""
    now = [at("10:20:00")]
    config = HubConfig(db_path=db_path, host="127.0.0.1", port=0)
    runner = HubThread(config, clock=lambda: now[0], monotonic=lambda: now[0])
    hub = runner.start()
    try:
        play_session(runner, now, db_path)
    finally:
        runner.stop()
    return hub.token
