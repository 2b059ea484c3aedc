"""A burst of asks: every question is acknowledged first, and every one still gets its hints,
pushed to the moderator and kept across a restart."""

from __future__ import annotations

from typing import Any

import pytest

from fireside.hub import Hub, HubConfig

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
