"""What the interactive attendee is told: merges, repeated votes, rejections, the end.

Each test runs the real ``Interactive`` screen logic in this process over a real hub on a
loopback port, and reads what it printed. Delayed notices go through an injected timer, so
"a moment later" is a call the test makes, never a sleep.
"""

from __future__ import annotations

import io
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

from fireside.export import render_export
from fireside.hub import Hub
from fireside_ask.interactive import Interactive
from fireside_ask.session import Session

from .helpers import FAST, acked, end_session, free_port, running, until
from .wsclient import RawClient

pytestmark = pytest.mark.anyio


class Timers:
    """Stands in for ``loop.call_later``: the test decides when the moment has passed."""

    class Handle:
        def __init__(self, callback: Callable[[], None]) -> None:
            self.callback = callback
            self.cancelled = False

        def cancel(self) -> None:
            self.cancelled = True

    def __init__(self) -> None:
        self.handles: list[Timers.Handle] = []

    def __call__(self, delay: float, callback: Callable[[], None]) -> Timers.Handle:
        handle = Timers.Handle(callback)
        self.handles.append(handle)
        return handle

    def elapse(self) -> None:
        """Let every held notice's moment pass."""
        handles, self.handles = self.handles, []
        for handle in handles:
            if not handle.cancelled:
                handle.callback()


class Screen:
    """One interactive attendee, as ``run_interactive`` wires it, printing into a buffer."""

    def __init__(self, url: str, client_id: str) -> None:
        self.buffer = io.StringIO()
        console = Console(
            file=self.buffer, width=400, markup=False, emoji=False, highlight=False
        )
        self.timers = Timers()
        self.ui = Interactive(console, url, later=self.timers)
        self.session = Session(url, client_id, listener=self.ui.on_event, **FAST)
        self.ui.session = self.session

    @property
    def text(self) -> str:
        return self.buffer.getvalue()

    def type(self, line: str) -> None:
        assert self.ui.handle(line)

    async def shows(self, needle: str, within: float = 5.0) -> str:
        """Wait until a printed line contains ``needle``; return that line."""
        await until(lambda: needle in self.text, within)
        return next(line for line in self.text.splitlines() if needle in line)


@pytest.fixture
async def screen(url: str) -> AsyncIterator[Screen]:
    attendee = Screen(url, "s" * 32)
    async with running(attendee.session):
        await attendee.shows("Type your question")
        yield attendee


async def barrier(screen: Screen, connect: Callable[..., Any], moderator: RawClient) -> None:
    """Wait until every push sent to ``screen`` so far has been printed.

    Pushes on one connection arrive in order, so once a later question shows as "New",
    everything before it has been handled.
    """
    other = await connect()
    reply = await other.ask(f"barrier {len(screen.text)}")
    qid = reply["question_id"]
    state = (await moderator.request({"type": "approve", "question_id": qid}))
    if state["type"] == "error":  # auto-approve is on: it is already on the list
        assert state["code"] == "invalid_state"
    await screen.shows(f"#{qid}")


async def test_asker_is_told_their_pending_question_was_merged_and_where_votes_go(
    screen: Screen, connect
) -> None:
    """A merged question says "Your question #2 was merged into #1; your vote counts there"."""
    moderator = await connect("moderator")
    other = await connect()
    await other.ask("Is Qwen better than Llama?")
    await moderator.request({"type": "approve", "question_id": 1})
    screen.type("Is Qwen better than Llama now?")
    await screen.shows("#2 sent")
    await moderator.request({"type": "merge", "question_id": 2, "into": 1})
    line = await screen.shows("Your question #2")
    assert line == "Your question #2 was merged into #1; your vote counts there."
    assert "waiting for the moderator" not in screen.text.split(line)[1]

    screen.type("/vote 2")
    voted = await screen.shows("your vote counts there (")
    assert voted == "#2 was merged into #1: your vote counts there (1 vote)."
    assert 1 in screen.session.state.my_votes


async def test_asker_is_told_their_listed_question_was_merged(screen: Screen, connect) -> None:
    """An approved question of yours merged into another is announced to you as yours."""
    moderator = await connect("moderator")
    screen.type("Open weights or open source?")
    await screen.shows("#1 sent")
    other = await connect()
    await other.ask("Open weights, or open source?")
    await moderator.request({"type": "approve", "question_id": 1})
    await moderator.request({"type": "approve", "question_id": 2})
    await screen.shows("New #2")
    await moderator.request({"type": "merge", "question_id": 1, "into": 2})
    assert (await screen.shows("merged into #2")) == (
        "Your question #1 was merged into #2; your vote counts there."
    )
    await moderator.request({"type": "undo"})
    assert (await screen.shows("on its own")) == (
        "Your question #1 is on the list on its own again."
    )


async def test_repeated_vote_says_you_already_voted_and_how_to_take_it_back(
    screen: Screen, connect
) -> None:
    """A second ``/vote 1`` says "You already voted for #1", not "Voted for #1" again."""
    moderator = await connect("moderator")
    await (await connect()).ask("What GPU budget do we need?")
    await moderator.request({"type": "approve", "question_id": 1})
    await screen.shows("New #1")
    screen.type("/vote 1")
    assert (await screen.shows("Voted for #1")) == "Voted for #1 (1 vote)."
    screen.type("/vote 1")
    assert (await screen.shows("already")) == (
        "You already voted for #1 (1 vote); /unvote 1 takes it back."
    )
    screen.type("/unvote 1")
    assert (await screen.shows("Took back")) == "Took back your vote on #1 (0 votes)."
    screen.type("/unvote 1")
    assert (await screen.shows("had not")) == "You had not voted for #1."


async def test_auto_approved_question_is_announced_once(screen: Screen, connect) -> None:
    """With auto-approve on, "#1 sent — it is on the list." is the only news about #1."""
    moderator = await connect("moderator")
    await moderator.request({"type": "settings", "auto_approve": True})
    screen.type("Which licence do you pick?")
    assert (await screen.shows("#1 sent")) == "#1 sent — it is on the list."
    await barrier(screen, connect, moderator)
    assert "was approved" not in screen.text


async def test_approval_of_a_pending_question_is_still_announced(screen: Screen, connect) -> None:
    """Without auto-approve, the asker hears "#1 sent" and later "was approved"."""
    moderator = await connect("moderator")
    screen.type("Which licence do you pick?")
    await screen.shows("#1 sent — waiting for the moderator.")
    await moderator.request({"type": "approve", "question_id": 1})
    assert (await screen.shows("approved")) == (
        "Your question #1 was approved and is on the list."
    )


async def test_reject_undone_at_once_never_reaches_the_asker(screen: Screen, connect) -> None:
    """A reject the moderator undoes at once shows nothing: no "did not take", no "approved"."""
    moderator = await connect("moderator")
    screen.type("Is this a good question?")
    await screen.shows("#1 sent")
    await moderator.request({"type": "reject", "question_id": 1})
    await moderator.request({"type": "undo"})
    await moderator.request({"type": "approve", "question_id": 1})
    await screen.shows("Your question #1 was approved")
    await moderator.request({"type": "reject", "question_id": 1})
    await moderator.request({"type": "undo"})
    await barrier(screen, connect, moderator)
    screen.timers.elapse()
    assert "did not take" not in screen.text
    assert screen.text.count("was approved") == 1
    assert [q["id"] for q in screen.session.state.visible()][:1] == [1]


async def test_reject_that_stands_is_told_a_moment_later(screen: Screen, connect) -> None:
    """A reject that is not undone reaches the asker once the moment has passed."""
    moderator = await connect("moderator")
    screen.type("Is this a good question?")
    await screen.shows("#1 sent")
    await moderator.request({"type": "reject", "question_id": 1})
    await barrier(screen, connect, moderator)
    assert "did not take" not in screen.text
    screen.timers.elapse()
    assert (await screen.shows("did not take")) == (
        "The moderator did not take your question #1."
    )


async def test_question_after_the_end_is_taken_with_a_note(
    screen: Screen, connect, hub: Hub, url: str
) -> None:
    """After the last segment, a question is still sent, with a note that the session ended."""
    moderator = await connect("moderator")
    await end_session(moderator, hub)
    await screen.shows("The session has ended")
    screen.type("Where can I read more?")
    sent = await screen.shows("#1 sent")
    assert sent == (
        "#1 sent — waiting for the moderator. The session has ended: "
        "the speakers may follow up on it afterwards."
    )

    late = Screen(url, "l" * 32)
    async with running(late.session):
        line = await late.shows("session has ended")
    assert line == (
        "This session has ended. You can still send questions: "
        "the speakers may follow up on them afterwards."
    )
    assert "1 question asked" in render_export(hub.config.db_path)


async def test_a_late_joiner_after_the_end_sees_no_question_on_air(
    connect, hub: Hub, url: str
) -> None:
    """Joining after the last segment says the session ended, not that a question is on air."""
    moderator = await connect("moderator")
    asker = await connect()
    asked = await asker.request({"type": "ask", "text": "Which benchmark do you trust?"})
    for kind in ("approve", "on_air"):
        reply = await moderator.request({"type": kind, "question_id": asked["question_id"]})
        assert reply["type"] == "ack", reply
    await end_session(moderator, hub)

    late = Screen(url, "e" * 32)
    async with running(late.session):
        await late.shows("Type your question")
    assert "This session has ended." in late.text
    assert "Which benchmark do you trust?" in late.text  # still in the list
    assert "ON AIR" not in late.text


async def test_list_after_the_end_calls_the_last_question_aired(
    connect, hub: Hub, url: str
) -> None:
    """After the end, ``/list`` shows the question left on air as "aired", not first."""
    moderator = await connect("moderator")
    asker = await connect()
    ids = []
    for text in ("Which benchmark do you trust?", "Is Llama still ahead?"):
        ids.append((await asker.request({"type": "ask", "text": text}))["question_id"])
        await acked(moderator, {"type": "approve", "question_id": ids[-1]})
    voter = await connect()
    await acked(voter, {"type": "vote", "question_id": ids[1], "up": True})
    await acked(moderator, {"type": "on_air", "question_id": ids[0]})
    await end_session(moderator, hub)

    late = Screen(url, "f" * 32)
    async with running(late.session):
        await late.shows("Type your question")
        late.type("/list")
        aired = await late.shows("Which benchmark")
    assert "  aired " in aired and "on air" not in aired
    listed = [line for line in late.text.splitlines() if line.startswith("#")]
    assert "Is Llama still ahead?" in listed[0], listed  # by votes: nothing is on air now


async def test_interactive_client_that_cannot_connect_suggests_checking_the_address() -> None:
    """After a few refused attempts the attendee sees the URL tried and a hint to check it."""
    url = f"ws://127.0.0.1:{free_port()}"
    attendee = Screen(url, "h" * 32)
    async with running(attendee.session):
        line = await attendee.shows("check the address")
        attendee.type("/list")
        offline = await attendee.shows("Not connected yet")
    assert line == (
        f"Still no hub at {url} (connection refused). Please check the address the "
        "speakers showed; fireside-ask keeps trying. /quit leaves."
    )
    assert offline == "Not connected yet, so there is no list to show."
    assert "No questions on the list yet." not in attendee.text


async def test_list_while_offline_says_it_is_offline(tmp_path: Path) -> None:
    """``/list`` after the hub went away says the list is from before the connection dropped."""
    from .test_client_session import hub_at

    port = free_port()
    url = f"ws://127.0.0.1:{port}"
    first = hub_at(tmp_path, port)
    await first.start()
    attendee = Screen(url, "o" * 32)
    async with running(attendee.session):
        await attendee.shows("Type your question")
        await first.close()
        await attendee.shows("Not connected:")
        attendee.type("/list")
        line = await attendee.shows("Offline")
        hint = await attendee.shows("Still trying")
    assert line == "Offline (trying to reconnect): the list was empty when the connection dropped."
    assert hint == (
        f"Still trying to reach the hub at {url} (connection refused); "
        "your questions wait until it is back. /quit leaves."
    )
    assert "check the address" not in attendee.text
    assert "No questions on the list yet." not in attendee.text


async def test_vote_ack_says_whether_anything_changed(connect) -> None:
    """The hub's vote ack carries ``changed``: false for a repeated vote or a vote not given."""
    moderator = await connect("moderator")
    voter = await connect()
    await voter.ask("Is Qwen better than Llama?")
    await moderator.request({"type": "approve", "question_id": 1})
    first = await voter.request({"type": "vote", "question_id": 1})
    again = await voter.request({"type": "vote", "question_id": 1})
    assert (first["changed"], again["changed"]) == (True, False)
    assert again["votes"] == 1
    down = await voter.request({"type": "vote", "question_id": 1, "up": False})
    never = await voter.request({"type": "vote", "question_id": 1, "up": False})
    assert (down["changed"], never["changed"], never["votes"]) == (True, False, 0)


async def test_asker_can_vote_for_their_pending_question_after_a_merge(connect) -> None:
    """A pending question merged into a listed one tells its asker, who may vote for it.

    (Before issue 14 the target could be pending too; a merge now goes only into a public
    question, so a vote for the merged one counts for a listed question, from anyone.)
    """
    moderator = await connect("moderator")
    other, asker = await connect(), await connect()
    await other.ask("Is Qwen better than Llama?")
    await asker.ask("Is Qwen better than Llama now?")
    await moderator.request({"type": "approve", "question_id": 1})
    await moderator.request({"type": "merge", "question_id": 2, "into": 1})
    told = await asker.expect("question")
    while told["question"]["merged_into"] is None:
        told = await asker.expect("question")
    assert told["question"]["id"] == 2 and told["question"]["merged_into"] == 1
    vote = await asker.request({"type": "vote", "question_id": 2})
    assert (vote["type"], vote["question_id"], vote["votes"]) == ("ack", 1, 1)


async def test_help_names_the_limits_the_hub_announced(tmp_path: Path) -> None:
    """``/help`` says how long a question may be and how many questions and votes a minute."""
    from .test_client_session import hub_at

    async with hub_at(tmp_path, 0, max_chars=200, questions_per_minute=2) as hub:
        attendee = Screen(f"ws://127.0.0.1:{hub.port}", "p" * 32)
        async with running(attendee.session):
            await attendee.shows("Type your question")
            attendee.type("/help")
            line = await attendee.shows("Limits:")
    assert line == "Limits: 200 characters a question, 2 questions and 30 votes a minute."
