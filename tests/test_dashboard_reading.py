"""Reading and finding questions on the dashboard, at the sizes it is used at.

A moderator approves what they have read: the whole question and its hints must be on
screen, the lists must show enough of each question to triage, and the keys that move
around the lists must do what they say. Pilot against a real hub.
"""

from __future__ import annotations

import contextlib
from typing import Any

import pytest

from fireside.dashboard.app import DashboardScreen
from fireside.dashboard.table import QuestionTable
from fireside.hub import Hub

from .dashboard_helpers import dashboard, notices, region_text, rows, screen_text, until
from .helpers import configure
from .session_fixture import LONG

pytestmark = pytest.mark.anyio

#: The last words of the 500-character question (``LONG`` is cut to the limit).
TAIL = LONG[-45:]


async def ask(connect: Any, *texts: str) -> list[int]:
    """Each question from its own attendee (one attendee may ask only 3 a minute)."""
    return [(await (await connect()).ask(text))["question_id"] for text in texts]


def lines_of(app: Any) -> list[str]:
    return screen_text(app).splitlines()


async def test_preview_shows_a_long_question_whole_with_its_hints(
    hub: Hub, url: str, connect: Any
) -> None:
    """At 120x35 a 500-character edited duplicate shows whole, with "was:" and the hint."""
    first, second = await ask(
        connect, "Is Qwen better than Llama now?", "Has Qwen overtaken Llama?"
    )
    moderator = await connect("moderator")
    await moderator.request({"type": "edit", "question_id": second, "text": LONG})
    async with dashboard(url, size=(120, 35)) as (app, pilot):
        await until(pilot, lambda: rows(app, "inbox") == [first, second])
        await pilot.press("down")
        await until(pilot, lambda: app.model.questions[second].get("edited"))
        await pilot.pause()
        flat = region_text(app, app.dashboard.query_one("#preview-box"))
        assert TAIL in flat, "the end of the question is not on screen"
        assert "was: Has Qwen overtaken Llama?" in flat
        assert f"possible duplicate of #{first}" in flat


async def test_v_opens_the_highlighted_question_in_full(hub: Hub, url: str, connect: Any) -> None:
    """At 80x24 the preview keeps the duplicate hint in view; v shows all the text; esc closes."""
    from fireside.dashboard.screens import QuestionScreen

    first, second = await ask(
        connect, "Is Qwen better than Llama now?", "Has Qwen overtaken Llama?"
    )
    moderator = await connect("moderator")
    await moderator.request({"type": "edit", "question_id": second, "text": LONG})
    async with dashboard(url, size=(80, 24)) as (app, pilot):
        await until(pilot, lambda: rows(app, "inbox") == [first, second])
        await pilot.press("down")
        await until(pilot, lambda: app.model.questions[second].get("edited"))
        await pilot.pause()
        preview = region_text(app, app.dashboard.query_one("#preview-box"))
        assert f"possible duplicate of #{first}" in preview
        assert "v full text" in preview
        await pilot.press("v")
        await until(pilot, lambda: isinstance(app.screen, QuestionScreen))
        await pilot.pause()
        flat = region_text(app, app.screen.query_one("#question-text"))
        assert TAIL in flat
        assert "was: Has Qwen overtaken Llama?" in flat
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, DashboardScreen))


async def test_lists_give_question_text_the_width_at_120x35(
    hub: Hub, url: str, connect: Any
) -> None:
    """At 120x35 the lists show at least 48 characters of each question, and the clock."""
    text = "Can a European team compete without hyperscaler compute?"
    first, second = await ask(connect, text, "Is Mistral still the European answer?")
    moderator = await connect("moderator")
    await moderator.request({"type": "approve", "question_id": second})
    async with dashboard(url, size=(120, 35)) as (app, pilot):
        await until(pilot, lambda: rows(app, "queue") == [second])
        await pilot.press("tab")  # the preview now shows the queue's question, not ``text``
        await pilot.pause()
        shown = lines_of(app)
        assert any(text[:48] in line for line in shown), "inbox text cut short"
        assert any("Clock" in line for line in shown)
        assert any("ON AIR" in line for line in shown)


async def test_home_and_end_jump_to_the_first_and_last_question(
    hub: Hub, url: str, connect: Any
) -> None:
    """End moves to the last question of the list, Home back to the first."""
    ids = await ask(connect, "One?", "Two?", "Three?")
    async with dashboard(url) as (app, pilot):
        await until(pilot, lambda: rows(app, "inbox") == ids)
        table = app.dashboard.query_one("#inbox", QuestionTable)
        await pilot.press("end")
        await until(pilot, lambda: table.current_id == ids[-1], what="end")
        await pilot.press("home")
        await until(pilot, lambda: table.current_id == ids[0], what="home")


async def test_focus_moves_to_the_queue_when_the_inbox_empties(
    hub: Hub, url: str, connect: Any
) -> None:
    """Approving the last question of the inbox leaves the cursor in the queue, on it."""
    (first,) = await ask(connect, "The only question?")
    async with dashboard(url) as (app, pilot):
        await until(pilot, lambda: rows(app, "inbox") == [first])
        await pilot.press("a")
        await until(pilot, lambda: rows(app, "queue") == [first])
        queue = app.dashboard.query_one("#queue", QuestionTable)
        await until(pilot, lambda: app.focused is queue, what="focus on the queue")
        assert app.dashboard.selected() is not None


async def test_filtered_titles_count_shown_of_all(hub: Hub, url: str, connect: Any) -> None:
    """While filtered, the titles say how many rows show of how many: Inbox 1/2, Queue 1/3."""
    ids = await ask(
        connect, "What about Qwen?", "Slides online?", "Qwen vs Llama?", "Slides?", "x?"
    )
    moderator = await connect("moderator")
    for question_id in ids[2:]:
        await moderator.request({"type": "approve", "question_id": question_id})
    async with dashboard(url) as (app, pilot):
        await until(pilot, lambda: len(rows(app, "queue")) == 3)
        await pilot.press("slash", *"qwen")
        await until(pilot, lambda: rows(app, "inbox") == [ids[0]])
        inbox = str(app.dashboard.query_one("#inbox-box").border_title)
        queue = str(app.dashboard.query_one("#queue-box").border_title)
        assert inbox.startswith("Inbox 1/2"), inbox
        assert queue.startswith("Queue 1/3"), queue


async def test_footer_and_preview_facts_fit_at_80x24(hub: Hub, url: str, connect: Any) -> None:
    """At 80x24 the footer still shows ? Help and the preview's facts line is not cut."""
    first, other = await ask(
        connect, "Which GPU budget does a mid-size company need for a 70B model?", "On air?"
    )
    # Something on air and something to undo: the footer offers every question key.
    moderator = await connect("moderator")
    await moderator.request({"type": "on_air", "question_id": other})
    async with dashboard(url, size=(120, 35)) as (app, pilot):
        await until(pilot, lambda: rows(app, "inbox") == [first])
        await pilot.resize_terminal(80, 24)  # a window made smaller during the session
        await pilot.pause()
        shown = lines_of(app)
        assert "? Help" in shown[-1], shown[-1]
        words = app.model.questions[first].get("suggestion_words") or ""
        flat = " ".join(" ".join(shown).split())
        assert f"({words})" in flat, "the facts line is cut"


@configure(limit_loopback=True, new_clients_per_minute=2)
async def test_a_per_address_limit_reaches_the_moderator_as_a_notice(
    hub: Hub, url: str, connect: Any
) -> None:
    """When one address brings too many new attendees, the dashboard says so, in plain text."""
    async with dashboard(url) as (app, pilot):
        for _ in range(3):  # the third new client id from this address is one too many
            with contextlib.suppress(Exception):
                await connect()
        await until(pilot, lambda: any("127.0.0.1" in n for n in notices(app)), what="a notice")
