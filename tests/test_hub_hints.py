"""A burst of asks: every question is acknowledged first, and every one still gets its hints,
pushed to the moderator and kept across a restart."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from fireside.hub import Hub, HubConfig
from fireside.hub.hints import HintSteps, HintWorker
from fireside.store import Write

from .conftest import TOKEN
from .helpers import configure
from .wsclient import RawClient

pytestmark = pytest.mark.anyio

ASKERS = 4
EACH = 15


async def _burst(url: str) -> list[dict[str, Any]]:
    """Several attendees send all their asks at once, then read their acks."""
    askers = [await RawClient.open(url) for _ in range(ASKERS)]
    for number, asker in enumerate(askers):
        for turn in range(EACH):
            text = f"Is Qwen {number}.{turn} better than Llama now?"
            await asker.send({"type": "ask", "text": text, "request_id": f"b{turn}"})
    acks = [
        await asker.expect("ack", request_id=f"b{turn}") for asker in askers for turn in range(EACH)
    ]
    for asker in askers:
        await asker.close()
    return acks


@configure(questions_per_minute=EACH)
async def test_a_burst_of_asks_gets_every_hint_pushed_to_the_moderator(hub: Hub, url: str) -> None:
    """After many questions at once, the moderator sees a suggested topic on every one."""
    moderator = await RawClient.open(url, role="moderator", token=TOKEN)
    acks = await _burst(url)
    asked = {ack["question_id"] for ack in acks}
    assert len(asked) == ASKERS * EACH
    hinted: set[int] = set()
    while hinted != asked:
        push = await moderator.expect("question")
        if push["question"]["suggested_topic"] is not None:
            hinted.add(push["question"]["id"])
    await moderator.close()


@configure(questions_per_minute=EACH)
async def test_hints_of_a_burst_are_kept_when_the_hub_stops_right_after(
    hub_config: HubConfig,
) -> None:
    """A hub stopped just after a burst of asks still has every question's hint on restart."""
    async with Hub(hub_config) as hub:
        acks = await _burst(f"ws://127.0.0.1:{hub.port}")
    hub_config.port = 0
    async with Hub(hub_config) as hub:
        moderator = await RawClient.open(f"ws://127.0.0.1:{hub.port}", "moderator", token=TOKEN)
        stored = {q["id"]: q for q in moderator.welcome["questions"]}
        await moderator.close()
    assert {ack["question_id"] for ack in acks} <= set(stored)
    assert all(q["suggested_topic"] is not None for q in stored.values())
    # Each question's own duplicate search ran before it was indexed: never itself.
    assert all(q["duplicate_of"] != q["id"] for q in stored.values())


async def test_a_hint_stopped_between_its_steps_is_finished_and_stored() -> None:
    """A hub that stops while a hint waits between its steps still stores that hint whole."""
    quiet = asyncio.Event()
    quiet.set()
    steps: list[str] = []
    stored: list[Write] = []
    second_step = asyncio.Event()

    def hint(question_id: int) -> HintSteps:
        steps.append(f"topic {question_id}")
        quiet.clear()  # a request arrives during the first step: the second one waits
        second_step.set()
        yield
        steps.append(f"duplicate {question_id}")
        return ("hint", (question_id,)), 0

    worker = HintWorker(hint, lambda writes, _: stored.extend(writes), quiet, lambda: False, 60)
    worker.add(1)
    worker.add(2)
    await second_step.wait()  # the worker is in the middle of hint 1
    assert steps == ["topic 1"]
    worker.finish()
    assert steps == ["topic 1", "duplicate 1", "topic 2", "duplicate 2"]
    assert stored == [("hint", (1,)), ("hint", (2,))]
