"""The moderator's dashboard driven by its keys with Pilot, against a real hub.

Every test checks both what the hub stored and what the screen shows, and undoes the action
with ``u`` to check that the undo reaches the store and the screen too.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from textual.widgets import Input, OptionList

from fireside.dashboard.app import DashboardScreen
from fireside.dashboard.clockpanel import ClockPanel
from fireside.dashboard.screens import ConfirmScreen, EditScreen, HelpScreen, PickScreen
from fireside.dashboard.widgets import OnAirCard, QuestionPreview, SessionHeader
from fireside.hub import Hub

from .dashboard_helpers import (
    JOIN,
    dashboard,
    notices,
    region_text,
    row_text,
    rows,
    screen_text,
    stored,
    text_of,
    until,
)

pytestmark = pytest.mark.anyio


async def ask(connect: Any, *texts: str) -> list[int]:
    attendee = await connect()
    ids = []
    for text in texts:
        reply = await attendee.ask(text)
        ids.append(reply["question_id"])
    return ids


async def approve(connect: Any, *ids: int) -> None:
    moderator = await connect("moderator")
    for question_id in ids:
        reply = await moderator.request({"type": "approve", "question_id": question_id})
        assert reply["type"] == "ack"


async def queued(connect: Any, *texts: str) -> list[int]:
    """Ask ``texts`` and approve them: they are in the queue, in this order."""
    ids = await ask(connect, *texts)
    await approve(connect, *ids)
    return ids


async def test_dashboard_shows_session_join_command_and_counts(
    hub: Hub, url: str, connect: Any
) -> None:
    """The header names the talk, the exact join command, and questions in and waiting."""
    await ask(connect, "What about Qwen?", "Is Llama still open?")
    async with dashboard(url) as (app, pilot):
        await until(pilot, lambda: len(rows(app, "inbox")) == 2)
        header = app.dashboard.query_one(SessionHeader)
        left = text_of(header.query_one("#header-left"))  # type: ignore[arg-type]
        right = text_of(header.query_one("#header-right"))  # type: ignore[arg-type]
        assert "Stop Waiting, Start Shipping" in left
        assert JOIN in left
        assert "2 in · 2 waiting · 0 answered" in right
        assert "● live" in right


async def test_a_approves_and_u_undoes(hub: Hub, url: str, connect: Any) -> None:
    """Pressing a moves the question from the inbox to the queue; u puts it back."""
    (first, second) = await ask(connect, "What about Qwen?", "Is Llama still open?")
    async with dashboard(url) as (app, pilot):
        await until(pilot, lambda: rows(app, "inbox") == [first, second])
        await pilot.press("a")
        await until(pilot, lambda: rows(app, "queue") == [first], what="approved in queue")
        assert rows(app, "inbox") == [second]
        assert stored(hub.config.db_path, first)["state"] == "approved"
        await pilot.press("u")
        await until(pilot, lambda: rows(app, "inbox") == [first, second], what="undo")
        assert rows(app, "queue") == []
        assert stored(hub.config.db_path, first)["state"] == "pending"


async def test_r_rejects_and_u_undoes(hub: Hub, url: str, connect: Any) -> None:
    """Pressing r removes the question from every list; u brings it back to the inbox."""
    (first,) = await ask(connect, "Buy cheap watches at example.com")
    async with dashboard(url) as (app, pilot):
        await until(pilot, lambda: rows(app, "inbox") == [first])
        await pilot.press("r")
        await until(pilot, lambda: rows(app, "inbox") == [], what="rejected")
        assert rows(app, "queue") == []
        assert stored(hub.config.db_path, first)["state"] == "rejected"
        await pilot.press("u")
        await until(pilot, lambda: rows(app, "inbox") == [first], what="undo")
        assert stored(hub.config.db_path, first)["state"] == "pending"


async def test_enter_puts_on_air_and_u_undoes(hub: Hub, url: str, connect: Any) -> None:
    """Enter shows the highlighted question on the on-air card; u takes it off again."""
    (first,) = await ask(connect, "Where do closed models still win?")
    await approve(connect, first)
    async with dashboard(url) as (app, pilot):
        await until(pilot, lambda: rows(app, "queue") == [first])
        await pilot.press("tab")  # from the inbox to the queue
        await pilot.press("enter")
        card = app.dashboard.query_one(OnAirCard)
        await until(pilot, lambda: "Where do closed models still win?" in text_of(card))
        assert stored(hub.config.db_path, first)["state"] == "on_air"
        assert rows(app, "queue") == []
        await pilot.press("u")
        await until(pilot, lambda: "Nothing on air" in text_of(card), what="undo")
        assert stored(hub.config.db_path, first)["state"] == "approved"
        assert rows(app, "queue") == [first]


async def test_d_marks_the_question_on_air_answered_and_u_undoes(
    hub: Hub, url: str, connect: Any
) -> None:
    """d ends the question on air: it is answered and the card clears; u restores it."""
    (first,) = await ask(connect, "Are agents in production?")
    moderator = await connect("moderator")
    await moderator.request({"type": "on_air", "question_id": first})
    async with dashboard(url) as (app, pilot):
        card = app.dashboard.query_one(OnAirCard)
        await until(pilot, lambda: "Are agents in production?" in text_of(card))
        await pilot.press("d")
        await until(pilot, lambda: "Nothing on air" in text_of(card), what="answered")
        assert stored(hub.config.db_path, first)["state"] == "answered"
        assert stored(hub.config.db_path, first)["answered_at"] is not None
        header = app.dashboard.query_one(SessionHeader)
        assert "1 answered" in text_of(header.query_one("#header-right"))  # type: ignore[arg-type]
        await pilot.press("u")
        await until(pilot, lambda: "Are agents in production?" in text_of(card), what="undo")
        assert stored(hub.config.db_path, first)["state"] == "on_air"


async def test_p_pins_to_the_top_of_the_queue_and_u_undoes(
    hub: Hub, url: str, connect: Any
) -> None:
    """p puts a question first in the queue with a pin mark, whatever its votes."""
    first, second = await ask(connect, "First question?", "Second question?")
    await approve(connect, first, second)
    voter = await connect()
    await voter.request({"type": "vote", "question_id": first})
    async with dashboard(url) as (app, pilot):
        await until(pilot, lambda: rows(app, "queue") == [first, second])
        await pilot.press("tab", "down", "p")
        await until(pilot, lambda: rows(app, "queue") == [second, first], what="pinned first")
        assert "⚑" in row_text(app, "queue", second)
        assert stored(hub.config.db_path, second)["pinned"] == 1
        await pilot.press("u")
        await until(pilot, lambda: rows(app, "queue") == [first, second], what="undo")
        assert stored(hub.config.db_path, second)["pinned"] == 0


async def test_e_edits_keeping_the_original_and_u_undoes(hub: Hub, url: str, connect: Any) -> None:
    """e opens the text for editing; the new text shows and the original is kept."""
    (first,) = await ask(connect, "wat about qwen??")
    async with dashboard(url) as (app, pilot):
        await until(pilot, lambda: rows(app, "inbox") == [first])
        await pilot.press("e")
        await until(pilot, lambda: isinstance(app.screen, EditScreen))
        box = app.screen.query_one(Input)
        assert box.value == "wat about qwen??"
        box.value = ""
        await pilot.press(*"What about Qwen?", "enter")
        await until(pilot, lambda: "What about Qwen?" in row_text(app, "inbox", first))
        row = stored(hub.config.db_path, first)
        assert (row["text"], row["original_text"]) == ("What about Qwen?", "wat about qwen??")
        preview = app.dashboard.query_one(QuestionPreview)
        assert "was: wat about qwen??" in text_of(preview)
        await pilot.press("u")
        await until(pilot, lambda: "wat about qwen??" in row_text(app, "inbox", first))
        assert stored(hub.config.db_path, first)["text"] == "wat about qwen??"


async def test_t_sets_the_topic_and_u_undoes(hub: Hub, url: str, connect: Any) -> None:
    """t offers the agenda's segments; the chosen topic shows in the list and is stored."""
    (first,) = await ask(connect, "Which GPU for a 70B model?")
    async with dashboard(url) as (app, pilot):
        await until(pilot, lambda: rows(app, "inbox") == [first])
        await pilot.press("t")
        await until(pilot, lambda: isinstance(app.screen, PickScreen))
        options = app.screen.query_one(OptionList)
        labels = [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]
        assert any("deployment" in label for label in labels)
        index = next(i for i, label in enumerate(labels) if "(deployment)" in label)
        options.highlighted = index
        await pilot.press("enter")
        preview = app.dashboard.query_one(QuestionPreview)
        # " · topic X" is the moderator's; a suggestion reads " · suggested topic X".
        await until(pilot, lambda: "· topic deployment" in text_of(preview))
        assert "deploym" in row_text(app, "inbox", first)
        assert stored(hub.config.db_path, first)["topic"] == "deployment"
        await pilot.press("u")
        await until(pilot, lambda: "· topic deployment" not in text_of(preview))
        assert stored(hub.config.db_path, first)["topic"] is None


async def test_m_merges_into_the_most_similar_question_and_u_undoes(
    hub: Hub, url: str, connect: Any
) -> None:
    """m offers the likeliest target first; the merged question leaves the list.

    (Merges go only into a public question since issue 14: the target is approved first.)
    """
    first, _other, third = await ask(
        connect,
        "Is Qwen better than Llama now?",
        "Will the slides be shared?",
        "Is Qwen now better than Llama?",
    )
    await approve(connect, first)
    async with dashboard(url) as (app, pilot):
        await until(pilot, lambda: len(rows(app, "inbox")) == 2)
        await pilot.press("down", "m")
        await until(pilot, lambda: isinstance(app.screen, PickScreen))
        options = app.screen.query_one(OptionList)
        assert str(options.get_option_at_index(0).prompt).startswith(f"#{first} ")
        await pilot.press("enter")
        await until(pilot, lambda: third not in rows(app, "inbox"), what="merged away")
        assert stored(hub.config.db_path, third)["merged_into"] == first
        await pilot.press("u")
        await until(pilot, lambda: third in rows(app, "inbox"), what="undo")
        assert stored(hub.config.db_path, third)["merged_into"] is None


async def test_u_with_nothing_to_undo_is_hidden_and_refusals_are_shown(
    hub: Hub, url: str, connect: Any
) -> None:
    """The footer offers undo only when there is something to undo; a refusal is a notice."""
    async with dashboard(url) as (app, pilot):
        assert app.dashboard.check_action("undo", ()) is False
        await pilot.press("b")  # back before the session started: the hub refuses
        await until(pilot, lambda: any("first segment" in n for n in notices(app)))


async def test_clock_keys_start_pause_extend_shorten_next_and_back(hub: Hub, url: str) -> None:
    """n, space, +, - and b drive the hub's clock, and the clock panel follows it."""
    async with dashboard(url) as (app, pilot):
        panel = app.dashboard.query_one(ClockPanel)
        await pilot.press("n")
        await until(pilot, lambda: hub.clock_model.state == "running", what="started")
        await until(pilot, lambda: panel.phase == "running")
        await pilot.press("space")
        await until(pilot, lambda: hub.clock_model.state == "paused", what="paused")
        await until(pilot, lambda: panel.phase == "paused")
        assert "PAUSED" in str(panel.border_title)
        await pilot.press("space")
        await until(pilot, lambda: hub.clock_model.state == "running", what="resumed")
        await pilot.press("plus")
        await until(pilot, lambda: hub.clock_model.allowance(0) == 270 + 60, what="extended")
        await pilot.press("minus", "minus")
        await until(pilot, lambda: hub.clock_model.allowance(0) == 270 - 60, what="shortened")
        await pilot.press("n")
        await until(pilot, lambda: hub.clock_model.current_segment_id() == "gap", what="next")
        await until(
            pilot, lambda: "Open versus proprietary" in text_of(panel.query_one("#segment-title"))
        )  # type: ignore[arg-type]
        await pilot.press("b")
        await until(pilot, lambda: hub.clock_model.current_segment_id() == "landscape")


async def test_slash_filters_the_lists(hub: Hub, url: str, connect: Any) -> None:
    """/ and some text leave only the questions that contain it; esc clears the filter."""
    first, second = await ask(connect, "What about Qwen?", "Will slides be shared?")
    async with dashboard(url) as (app, pilot):
        await until(pilot, lambda: rows(app, "inbox") == [first, second])
        await pilot.press("slash", *"slides")
        await until(pilot, lambda: rows(app, "inbox") == [second], what="filtered")
        await pilot.press("escape")
        await until(pilot, lambda: rows(app, "inbox") == [first, second], what="cleared")


async def test_question_mark_shows_every_key(hub: Hub, url: str) -> None:
    """? opens a help screen generated from the bindings, listing every key."""
    async with dashboard(url) as (app, pilot):
        await pilot.press("question_mark")
        await until(pilot, lambda: isinstance(app.screen, HelpScreen))
        shown = {binding.description for binding in app.screen.bindings_shown}
        for binding in DashboardScreen.BINDINGS:
            assert binding.description in shown  # type: ignore[union-attr]
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, DashboardScreen))


async def test_q_asks_before_quitting(hub: Hub, url: str) -> None:
    """q asks first: n keeps the dashboard open, y quits."""
    async with dashboard(url) as (app, pilot):
        await pilot.press("q")
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("n")
        await until(pilot, lambda: isinstance(app.screen, DashboardScreen))
        await pilot.press("q", "y")
        await until(pilot, lambda: app.return_code is not None or not app.is_running)


async def test_the_cursor_stays_on_its_question_when_the_terminal_is_resized(
    hub: Hub, url: str, connect: Any
) -> None:
    """Resizing the terminal (a projector plugged in) keeps the highlighted question."""
    first, second, third = await queued(connect, "One?", "Two?", "Three?")
    async with dashboard(url) as (app, pilot):
        await until(pilot, lambda: rows(app, "queue") == [first, second, third])
        await pilot.press("tab", "down", "down")
        table = app.dashboard.query_one("#queue")
        assert table.current_id == third  # type: ignore[attr-defined]
        wide = table.size.width
        await pilot.resize_terminal(80, 24)
        await until(pilot, lambda: table.size.width < wide, what="the table's new width")
        await until(pilot, lambda: rows(app, "queue") == [first, second, third])
        assert table.current_id == third  # type: ignore[attr-defined]


async def test_a_long_quit_question_is_read_whole_at_80x24(hub: Hub, url: str) -> None:
    """fireside run's quit question wraps in its window instead of being cut at 80 columns."""
    question = "Quit Fireside? The hub stops and attendees are disconnected."
    async with dashboard(url, size=(80, 24), quit_question=question) as (app, pilot):
        await pilot.press("q")
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await until(pilot, lambda: "Yes (y)" in screen_text(app), what="the question's window")
        title = app.screen.query_one(".dialog-title")
        assert region_text(app, title) == question


async def test_new_questions_and_votes_appear_without_a_keypress_and_cursor_stays(
    hub: Hub, url: str, connect: Any
) -> None:
    """Questions and votes arrive live; the cursor stays on the question it was on."""
    first, second, third = await queued(connect, "One?", "Two?", "Three?")
    async with dashboard(url) as (app, pilot):
        await until(pilot, lambda: rows(app, "queue") == [first, second, third])
        await pilot.press("tab", "down")  # on "Two?"
        table = app.dashboard.query_one("#queue")
        assert table.current_id == second  # type: ignore[attr-defined]
        for _ in range(3):
            voter = await connect()
            await voter.request({"type": "vote", "question_id": third})
        await until(pilot, lambda: rows(app, "queue")[0] == third, what="votes re-sort")
        assert table.current_id == second  # type: ignore[attr-defined]
        assert "3" in row_text(app, "queue", third)
        late = await connect()
        await late.ask("A late question?")
        await until(pilot, lambda: len(rows(app, "inbox")) == 1, what="live arrival")
        assert table.current_id == second  # type: ignore[attr-defined]


async def test_attendee_text_is_shown_literally_everywhere(
    hub: Hub, url: str, connect: Any
) -> None:
    """Markup, Markdown and escape sequences in a question show as plain characters."""
    nasty = "\x1b]0;owned\x07[bold red]hi[/] **bold** <b>x</b> [link](http://x)"
    (first,) = await ask(connect, nasty)
    expected = "[bold red]hi[/] **bold** <b>x</b> [link](http://x)"
    async with dashboard(url) as (app, pilot):
        await until(pilot, lambda: rows(app, "inbox") == [first])
        assert expected in text_of(app.dashboard.query_one(QuestionPreview))
        await pilot.press("enter")
        card = app.dashboard.query_one(OnAirCard)
        await until(pilot, lambda: expected in text_of(card))
        assert "\x1b" not in text_of(card)


async def test_dashboard_survives_a_hub_restart_and_catches_up(hub_config: Any) -> None:
    """When the hub goes away the dashboard says so and keeps the lists; then it catches up."""
    import socket

    from .wsclient import RawClient

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        hub_config.port = probe.getsockname()[1]
    url = f"ws://127.0.0.1:{hub_config.port}"
    first_hub = Hub(hub_config)
    await first_hub.start()
    attendee = await RawClient.open(url, client_id="attendee-restart")
    first = (await attendee.ask("Before the restart?"))["question_id"]
    async with dashboard(url) as (app, pilot):
        await until(pilot, lambda: rows(app, "inbox") == [first])
        await first_hub.close()
        header = app.dashboard.query_one(SessionHeader)
        right = header.query_one("#header-right")
        await until(pilot, lambda: "reconnecting" in text_of(right), what="offline shown")  # type: ignore[arg-type]
        assert rows(app, "inbox") == [first]
        second_hub = Hub(hub_config)
        await second_hub.start()
        try:
            attendee = await RawClient.open(url, client_id="attendee-restart")
            second = (await attendee.ask("After the restart?"))["question_id"]
            await until(
                pilot, lambda: rows(app, "inbox") == [first, second], within=10, what="caught up"
            )
            assert "● live" in text_of(right)  # type: ignore[arg-type]
            await attendee.close()
        finally:
            await second_hub.close()


async def test_stage_shows_the_question_on_air_literally_and_never_pending_ones(
    hub: Hub, url: str, connect: Any
) -> None:
    """The stage shows the on-air text as typed (markup and all) and no pending question."""
    from fireside.dashboard.stage import StageApp

    nasty = "\x1b[2J[bold red]hi[/] **bold** <b>x</b>"
    on_air_id, pending_id = await ask(connect, nasty, "A pending secret question?")
    moderator = await connect("moderator")
    await moderator.request({"type": "on_air", "question_id": on_air_id})
    app = StageApp(url)
    async with app.run_test(size=(80, 24)) as pilot:
        card = app.query_one("#stage-on-air")
        await until(pilot, lambda: "[bold red]hi[/] **bold** <b>x</b>" in text_of(card))
        assert "\x1b" not in text_of(card)
        assert pending_id not in app.model.questions
        assert all(q["state"] != "pending" for q in app.model.questions.values())


async def test_x_previews_the_record_and_w_writes_it_beside_the_database(
    hub: Hub, url: str, connect: Any, tmp_path: Any
) -> None:
    """x shows the Markdown record in the dashboard; w writes <db stem>-<date>.md."""
    from textual.widgets import Markdown

    from fireside.dashboard.screens import RecordScreen

    await ask(connect, "Is Qwen better than Llama now?")
    async with dashboard(url, record_dir=tmp_path) as (app, pilot):
        await pilot.press("x")
        await until(pilot, lambda: isinstance(app.screen, RecordScreen), within=15)
        assert "Stop Waiting, Start Shipping" in app.screen.markdown
        shown = app.screen.query_one(Markdown)
        # What the moderator reads is the rendered record, not just the source it was given.
        await until(pilot, lambda: "Stop Waiting, Start Shipping" in region_text(app, shown))
        before = date.today()
        await pilot.press("w")

        def written() -> list[Any]:
            # Dated today; a midnight passing during the test may make that the next day.
            days = {before, date.today()}
            paths = [tmp_path / f"hub-{day.isoformat()}.md" for day in days]
            return [path for path in paths if path.exists()]

        await until(pilot, written, within=15)
        expected = written()[0]
        assert expected.read_text(encoding="utf-8").startswith("# ")
        assert any(str(expected) in n for n in notices(app))


async def test_quitting_writes_the_record_and_says_where(hub: Hub, url: str, tmp_path: Any) -> None:
    """q, y: the dashboard writes the session's record before it exits, and keeps its path."""
    async with dashboard(url, record_dir=tmp_path) as (app, pilot):
        before = date.today()
        await pilot.press("q", "y")
        await until(pilot, lambda: app.record_written is not None, within=15)
    # Dated the day it ran (the clock never started here, so today, or the next day if a
    # midnight passed while it was written).
    assert app.record_written in {
        tmp_path / f"hub-{day.isoformat()}.md" for day in (before, date.today())
    }
    assert "Stop Waiting, Start Shipping" in app.record_written.read_text(encoding="utf-8")


async def test_g_groups_questions_by_topic_and_m_acts_on_the_duplicate_hint(
    hub: Hub, url: str, connect: Any
) -> None:
    """Suggested topics group the questions; a duplicate hint is offered first by m.

    (Merges go only into a public question since issue 14: the hinted one is approved.)
    """
    from textual.widgets import Tree

    from fireside.dashboard.screens import TopicsScreen

    first, _, third = await ask(
        connect,
        "Is Qwen better than Llama now?",
        "Which GPU do I need to self-host a 70B model?",
        "Has Qwen overtaken Llama?",
    )
    await approve(connect, first)
    async with dashboard(url) as (app, pilot):
        await until(pilot, lambda: len(rows(app, "inbox")) == 2)
        assert app.model.questions[third]["duplicate_of"] == first
        assert "≈" in row_text(app, "inbox", third)
        await pilot.press("down")
        preview = app.dashboard.query_one(QuestionPreview)
        assert f"possible duplicate of #{first}" in text_of(preview)
        await pilot.press("g")
        await until(pilot, lambda: isinstance(app.screen, TopicsScreen))
        tree = app.screen.query_one(Tree)
        labels = [str(node.label) for node in tree.root.children]
        assert any(label.startswith("Chinese and American open models") for label in labels)
        assert any(label.startswith("Deployment strategies that work") for label in labels)
        await pilot.press("escape")
        await until(pilot, lambda: not isinstance(app.screen, TopicsScreen))
        await pilot.press("m")
        await until(pilot, lambda: isinstance(app.screen, PickScreen))
        options = app.screen.query_one(OptionList)
        assert str(options.get_option_at_index(0).prompt).startswith(f"#{first} ")
        await pilot.press("enter")
        await until(pilot, lambda: third not in rows(app, "inbox"))
        assert stored(hub.config.db_path, third)["merged_into"] == first
