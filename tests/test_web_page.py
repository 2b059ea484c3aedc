"""The attendee page in a real browser: headless Chromium against a real hub.

One browser for the module (starting Chromium is the slow part); each test gets a fresh
browser context, so a fresh ``localStorage`` and a fresh attendee.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from fireside.hub import Hub, HubConfig
from fireside_ask.text import clean_text

from .browser import ARGS, require_chromium
from .conftest import TOKEN
from .helpers import acked, configure, end_session, free_port, stored_questions
from .wsclient import RawClient

playwright_api = pytest.importorskip("playwright.async_api")

pytestmark = pytest.mark.anyio
DEADLINE = 10_000  # ms, Playwright's unit


@pytest.fixture(scope="module")
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="module")
async def browser(anyio_backend: str) -> AsyncIterator[Any]:
    executable = require_chromium()
    async with playwright_api.async_playwright() as driver:
        launched = await driver.chromium.launch(executable_path=str(executable), args=ARGS)
        yield launched
        await launched.close()


@pytest.fixture
async def open_page(browser: Any) -> AsyncIterator[Callable[..., Awaitable[Any]]]:
    """Open the hub's page at 360 px in a fresh context; collect console errors."""
    contexts: list[Any] = []

    async def opener(port: int, scheme: str = "light") -> Any:
        context = await browser.new_context(
            viewport={"width": 360, "height": 740}, color_scheme=scheme
        )
        contexts.append(context)
        page = await context.new_page()
        page.errors = []
        page.on("pageerror", lambda error: page.errors.append(str(error)))
        page.on(
            "console",
            lambda message: page.errors.append(message.text) if message.type == "error" else None,
        )
        await page.goto(f"http://127.0.0.1:{port}/")
        await connected(page)
        return page

    yield opener
    for context in contexts:
        await context.close()


async def connected(page: Any) -> None:
    await page.wait_for_function(
        "() => document.getElementById('connection').textContent.startsWith('Connected')",
        timeout=DEADLINE,
    )


async def ask(page: Any, text: str) -> None:
    await page.fill("#question", text)
    await page.click("#ask-button")


async def notice_with(page: Any, needle: str) -> str:
    locator = page.locator("#notice")
    await locator.filter(has_text=needle).wait_for(timeout=DEADLINE)
    return str(await locator.text_content())


def listed(page: Any) -> Any:
    return page.locator("#questions li")


async def test_page_asks_sees_its_number_approval_and_votes(
    hub: Hub, open_page: Callable[..., Awaitable[Any]]
) -> None:
    """A phone asks, sees "#1 received", sees the moderator approve it, and votes for it."""
    page = await open_page(hub.port)
    await page.fill("#name", "Ada")
    await page.dispatch_event("#name", "change")
    await connected(page)
    await ask(page, "Does the page work on a phone?")
    notice = await notice_with(page, "#1")
    assert "Your question #1 was received" in notice
    await page.locator("#mine li").filter(has_text="Waiting for approval").wait_for()

    moderator = await RawClient.open(f"ws://127.0.0.1:{hub.port}", role="moderator", token=TOKEN)
    try:
        assert (await moderator.request({"type": "approve", "question_id": 1}))["type"] == "ack"
    finally:
        await moderator.close()
    item = listed(page).filter(has_text="Does the page work on a phone?")
    await item.wait_for(timeout=DEADLINE)
    assert "Ada" in str(await item.text_content())
    await page.locator("#mine li").filter(has_text="Approved").wait_for()

    button = item.locator("button.vote")
    await button.click()
    await page.locator("button.vote[aria-pressed=true]").wait_for(timeout=DEADLINE)
    assert await item.locator(".count").text_content() == "1"
    assert hub.room.votes[1] == {hub.room.questions[1].client_id}
    await page.locator("button.vote").click()  # take it back
    await page.locator("button.vote[aria-pressed=false]").wait_for(timeout=DEADLINE)
    assert not hub.room.votes.get(1)
    assert page.errors == []


HOSTILE = [
    '<img src=x onerror="window.pwned=1">',
    "<script>window.pwned=1</script>",
    "evil \u202egnp.exe\u202c trojan",
    "\U0001f600" * 500,
]


@configure(auto_approve=True, questions_per_minute=10)
async def test_hostile_text_shows_as_inert_text(
    hub: Hub, open_page: Callable[..., Awaitable[Any]]
) -> None:
    """Tags, scripts, bidi overrides and 500 emoji show literally; nothing runs or reorders."""
    page = await open_page(hub.port)
    attendee = await RawClient.open(f"ws://127.0.0.1:{hub.port}")
    try:
        for number, text in enumerate(HOSTILE, 1):
            # As UTF-8, not \u escapes: 500 emoji escaped would pass the frame limit.
            ask = {"type": "ask", "request_id": f"h{number}", "text": text}
            await attendee.send(json.dumps(ask, ensure_ascii=False))
            await attendee.expect("ack", request_id=f"h{number}")
    finally:
        await attendee.close()
    await page.wait_for_function(
        f"() => document.querySelectorAll('#questions li').length === {len(HOSTILE)}",
        timeout=DEADLINE,
    )
    shown = await page.eval_on_selector_all(
        "#questions li .text", "nodes => nodes.map(n => n.firstChild.textContent)"
    )
    assert sorted(shown) == sorted(clean_text(text) for text in HOSTILE)
    assert await page.evaluate("document.querySelectorAll('main img, main script').length") == 0
    assert await page.evaluate("window.pwned") is None
    assert not any("\u202e" in text for text in shown)


async def test_length_counts_code_points_after_cleaning_like_the_hub(
    hub: Hub, open_page: Callable[..., Awaitable[Any]]
) -> None:
    """500 emoji count as 500 characters (not 1000), and the 501st is refused on the page."""
    page = await open_page(hub.port)
    await page.fill("#question", "\U0001f600" * 500 + "\u200b\u202e")
    assert await page.text_content("#count") == f"500 / {hub.config.max_chars} characters"
    await page.click("#ask-button")
    await notice_with(page, "#1")
    assert hub.room.questions[1].text == "\U0001f600" * 500

    await ask(page, "\U0001f600" * 501)
    await page.locator("#problem").filter(has_text="501 characters").wait_for()
    assert await page.input_value("#question") == "\U0001f600" * 501
    assert len(hub.room.questions) == 1


async def test_question_asked_while_the_hub_restarts_arrives_once(
    tmp_path: Path, open_page: Callable[..., Awaitable[Any]]
) -> None:
    """The page reconnects by itself; a question typed while the hub was down is stored once."""
    port = free_port()
    config = HubConfig(db_path=tmp_path / "hub.db", host="127.0.0.1", port=port, token=TOKEN)
    first = Hub(config)
    await first.start()
    try:
        page = await open_page(port)
        await ask(page, "Asked before the restart")
        await notice_with(page, "#1")
    finally:
        await first.close()
    await page.locator("#connection").filter(has_text="Reconnecting").wait_for(timeout=DEADLINE)
    await ask(page, "Asked while the hub was away")
    await notice_with(page, "sent as soon as the connection is back")
    async with Hub(config):
        await notice_with(page, "#2")
        await connected(page)
        texts = [row[3] for row in stored_questions(config.db_path)]
        assert texts == ["Asked before the restart", "Asked while the hub was away"]
        # Reloading the page keeps the attendee (client_id in localStorage) and their list.
        await page.reload()
        await connected(page)
        await page.wait_for_function("() => document.querySelectorAll('#mine li').length === 2")
    assert page.errors == [] or all("WebSocket" in error for error in page.errors)


@configure(max_connections=0)
async def test_a_full_room_is_shown_as_a_message_not_a_bare_disconnect(
    hub: Hub, browser: Any
) -> None:
    """When the room is full the page says so, and keeps trying by itself."""
    context = await browser.new_context(viewport={"width": 360, "height": 740})
    try:
        page = await context.new_page()
        await page.goto(f"http://127.0.0.1:{hub.port}/")
        await page.locator("#connection").filter(has_text="The room is full").wait_for(
            timeout=DEADLINE
        )
        assert "Reconnecting" in str(await page.text_content("#connection"))
    finally:
        await context.close()


ON_STAGE = "Which benchmark do you trust?"


async def put_on_air(hub: Hub, question_id: int) -> RawClient:
    """Approve the question and put it on air; the moderator stays connected to end later."""
    moderator = await RawClient.open(f"ws://127.0.0.1:{hub.port}", role="moderator", token=TOKEN)
    for kind in ("approve", "on_air"):
        await acked(moderator, {"type": kind, "question_id": question_id})
    return moderator


async def shows_the_end_with_nothing_on_air(page: Any) -> None:
    """The page says the session ended and lists the last question, not as on air now."""
    await page.locator("#segment").filter(has_text="The session has ended").wait_for(
        timeout=DEADLINE
    )
    # The segment line and the lists are drawn in the same frame: no wait needed below.
    await listed(page).filter(has_text=ON_STAGE).wait_for(timeout=DEADLINE)
    assert "On air now" not in str(await page.text_content("main"))
    assert await page.locator("li.on-air").count() == 0
    assert page.errors == []


async def test_page_open_when_the_session_ends_shows_no_question_on_air(
    hub: Hub, open_page: Callable[..., Awaitable[Any]]
) -> None:
    """A phone watching when the moderator ends the session stops calling a question on air."""
    page = await open_page(hub.port)
    await ask(page, ON_STAGE)
    await notice_with(page, "#1")
    moderator = await put_on_air(hub, 1)
    try:
        await page.locator("#mine li.on-air").filter(has_text="On air now").wait_for(
            timeout=DEADLINE
        )
        await listed(page).filter(has_text="On air now").wait_for(timeout=DEADLINE)
        await end_session(moderator, hub)
    finally:
        await moderator.close()
    await shows_the_end_with_nothing_on_air(page)
    assert "Was on air" in str(await page.text_content("#mine"))


async def test_page_opened_after_the_end_shows_no_question_on_air(
    hub: Hub, open_page: Callable[..., Awaitable[Any]], tmp_path: Path
) -> None:
    """A phone that opens the page after the end reads that it ended; nothing is on air."""
    attendee = await RawClient.open(f"ws://127.0.0.1:{hub.port}")
    try:
        asked = await attendee.ask(ON_STAGE)
    finally:
        await attendee.close()
    moderator = await put_on_air(hub, asked["question_id"])
    try:
        await end_session(moderator, hub)
    finally:
        await moderator.close()
    page = await open_page(hub.port)
    await shows_the_end_with_nothing_on_air(page)
    assert await page.evaluate("document.documentElement.scrollWidth") <= 360
    shot = tmp_path / "page-360-ended.png"
    await page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 0  # look at it


@pytest.mark.parametrize("scheme", ["light", "dark"])
async def test_page_at_360_px_fits_in_light_and_dark(
    hub: Hub, open_page: Callable[..., Awaitable[Any]], tmp_path: Path, scheme: str
) -> None:
    """At 360 px nothing is cut off or scrolls sideways, in light and in dark."""
    moderator = await RawClient.open(f"ws://127.0.0.1:{hub.port}", role="moderator", token=TOKEN)
    attendee = await RawClient.open(f"ws://127.0.0.1:{hub.port}", name="Grace")
    try:
        for text in ("Is Qwen better than Llama now?", "How do you evaluate a model " * 6):
            reply = await attendee.ask(text)
            await moderator.request({"type": "approve", "question_id": reply["question_id"]})
        await moderator.request({"type": "on_air", "question_id": 1})
        await moderator.request({"type": "clock", "action": "next"})
    finally:
        await attendee.close()
        await moderator.close()
    page = await open_page(hub.port, scheme)
    await ask(page, "Will the slides be online?")
    await notice_with(page, "#3")
    await page.wait_for_function(
        "() => document.querySelectorAll('#questions li').length === 2"
    )
    assert await page.evaluate("document.documentElement.scrollWidth") <= 360
    small = await page.evaluate(
        "[...document.querySelectorAll('button')].filter(b => b.offsetParent)"
        ".map(b => b.getBoundingClientRect()).filter(r => r.height < 44 || r.width < 44).length"
    )
    assert small == 0, "every button is a 44 px touch target"
    shot = tmp_path / f"page-360-{scheme}.png"
    await page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 0  # look at it: docs/page-360-*.png are copies of these
