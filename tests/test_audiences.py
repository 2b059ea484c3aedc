"""Who sees what of a change (``fireside.hub.audiences``), decided without any socket."""

from __future__ import annotations

from fireside.hub.audiences import MODERATORS, PUBLIC, Owner, Views, announce, seen_by_attendees
from fireside.room import Room
from fireside_ask import protocol as p

T0 = 1_000_000.0


def _ask(room: Room, client: str = "ada", text: str = "What about Qwen?") -> int:
    question, change = room.ask(client, f"r{len(room.requests) + 1}", text, now=T0)
    assert change is not None
    return question.id


def test_a_pending_question_reaches_moderators_and_its_asker_only() -> None:
    """A held question shows on the dashboard and in the asker's own list, not to the room."""
    room = Room()
    question, change = room.ask("ada", "r1", "What about Qwen?", now=T0)
    assert change is not None
    told = announce(change, Views(room))
    audiences = [audience for audience, _ in told]
    assert audiences == [MODERATORS, Owner("ada")]
    assert told[0][1]["question"]["client_id"] == "ada"  # the moderator sees who asked
    assert "client_id" not in told[1][1]["question"]  # the asker sees the public view
    assert not seen_by_attendees(change)


def test_an_approved_question_reaches_the_whole_room_without_private_fields() -> None:
    """Approving shows the question to everyone; only moderators see who asked it."""
    room = Room()
    qid = _ask(room)
    change = room.act("approve", {"question_id": qid}, now=T0 + 1)
    told = announce(change, Views(room))
    public = [message for audience, message in told if audience == PUBLIC]
    assert [m["type"] for m in public] == ["question"]
    assert public[0]["question"]["state"] == p.APPROVED
    assert "client_id" not in public[0]["question"]
    assert told[-1] == (MODERATORS, {"type": "undo", "next": room.undo_summary()})
    assert seen_by_attendees(change)


def test_rejecting_a_public_question_removes_it_from_the_room() -> None:
    """A question taken down disappears from attendees' screens, the moderator keeps it."""
    room = Room()
    qid = _ask(room)
    room.act("approve", {"question_id": qid}, now=T0 + 1)
    change = room.act("reject", {"question_id": qid}, now=T0 + 2)
    told = announce(change, Views(room))
    assert (PUBLIC, {"type": "question_removed", "id": qid, "merged_into": None}) in told
    assert any(a == MODERATORS and m["type"] == "question" for a, m in told)


def test_rejecting_a_pending_question_tells_only_its_asker_it_is_gone() -> None:
    """A held question that is rejected leaves the asker's list; the room never saw it."""
    room = Room()
    qid = _ask(room)
    change = room.act("reject", {"question_id": qid}, now=T0 + 1)
    told = announce(change, Views(room))
    assert (Owner("ada"), {"type": "question_removed", "id": qid, "merged_into": None}) in told
    assert all(audience != PUBLIC for audience, _ in told)


def test_putting_a_question_on_air_tells_every_audience_what_is_on_air() -> None:
    """The stage, attendees and moderators all hear which question is on air now."""
    room = Room(auto_approve=True)
    qid = _ask(room)
    change = room.act("on_air", {"question_id": qid}, now=T0 + 1)
    told = announce(change, Views(room))
    on_air = {audience: m for audience, m in told if m["type"] == "on_air"}
    assert set(on_air) == {MODERATORS, PUBLIC}
    assert on_air[PUBLIC]["question"]["id"] == qid
    assert "client_id" in on_air[MODERATORS]["question"]
    assert "client_id" not in on_air[PUBLIC]["question"]
