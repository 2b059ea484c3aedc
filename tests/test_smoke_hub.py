"""The hub answers over a real loopback socket."""

import pytest

pytestmark = pytest.mark.anyio


async def test_attendee_gets_ack_with_question_number(connect) -> None:
    """An attendee who asks sees the question confirmed with its number."""
    attendee = await connect()
    reply = await attendee.ask("What about Qwen?")
    assert reply == {
        "type": "ack",
        "request_id": reply["request_id"],
        "question_id": 1,
        "state": "pending",
    }
