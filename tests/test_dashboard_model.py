"""The dashboard's model: ordering of the lists, fed with hub messages directly."""

from __future__ import annotations

from datetime import UTC
from typing import Any

from fireside.dashboard.model import Model


def question(qid: int, state: str = "approved", **extra: Any) -> dict[str, Any]:
    return {
        "id": qid,
        "text": f"Question {qid}?",
        "state": state,
        "votes": 0,
        "pinned": False,
        "topic": None,
        "created_at": 1000.0 + qid,
        "merged_into": None,
        **extra,
    }


def model_with(*questions: dict[str, Any]) -> Model:
    model = Model()
    model.apply({"type": "welcome", "session": {"segments": []}, "questions": list(questions)})
    return model


def test_queue_puts_pinned_first_then_the_running_segments_topic_then_votes() -> None:
    """During a discussion segment its questions rise, but pinned ones stay on top."""
    model = model_with(
        question(1, votes=9),
        question(2, votes=1, topic="bias"),
        question(3, votes=5, topic="bias"),
        question(4, votes=0, pinned=True),
        question(5, state="pending", votes=50),
    )
    assert [q["id"] for q in model.queue("votes")] == [4, 1, 3, 2]
    assert [q["id"] for q in model.queue("votes", focus_topic="bias")] == [4, 3, 2, 1]
    assert [q["id"] for q in model.queue("time", focus_topic="bias")] == [4, 2, 3, 1]


def test_inbox_lists_pending_questions_oldest_first_so_new_ones_arrive_at_the_bottom() -> None:
    """New questions appear at the bottom of the inbox; merged ones are not listed."""
    model = model_with(
        question(3, "pending"),
        question(1, "pending"),
        question(2, "pending", merged_into=1),
        question(4),
    )
    assert [q["id"] for q in model.inbox()] == [1, 3]


def test_vote_pushes_update_counts_and_removed_questions_leave() -> None:
    """Coalesced vote counts land on their questions; a removal takes a question away."""
    model = model_with(question(1), question(2))
    model.apply({"type": "votes", "counts": {"1": 7, "99": 3}})
    model.apply({"type": "question_removed", "id": 2, "merged_into": None})
    assert model.questions[1]["votes"] == 7
    assert 2 not in model.questions


def test_vote_counts_keyed_by_something_other_than_an_id_are_skipped() -> None:
    """A vote push with a key that is not a question id leaves the dashboard running."""
    model = model_with(question(1))
    model.apply({"type": "votes", "counts": {"x": 4, "1": 7}})
    assert model.questions[1]["votes"] == 7


def test_merge_targets_offer_the_most_similar_question_first() -> None:
    """Merging offers the question that shares the most words first."""
    model = model_with(
        question(1) | {"text": "Will the slides be shared?"},
        question(2) | {"text": "Is Qwen better than Llama now?"},
        question(3) | {"text": "Is Qwen now better than Llama?"},
    )
    assert [q["id"] for q in model.merge_targets(3)][0] == 2


def test_text_from_the_hub_is_cleaned_again() -> None:
    """Even a hub that is not ours cannot put an escape sequence on the moderator's screen."""
    model = model_with(question(1) | {"text": "\x1b]0;owned\x07hi \u202eevil"})
    assert model.questions[1]["text"] == "hi evil"


def test_current_topic_first_and_sort_by_topic_use_the_suggestion_when_no_topic_is_set() -> None:
    """A question suggested for the running segment rises like one tagged with t; a set
    topic wins over the suggestion."""
    model = model_with(
        question(1, votes=9, suggested_topic="bias"),
        question(2, votes=1, suggested_topic="gap"),
        question(3, votes=5, topic="gap", suggested_topic="bias"),
        question(4, votes=3, topic="bias", suggested_topic="gap"),
        question(5, votes=7),
    )
    assert [q["id"] for q in model.queue("votes", focus_topic="gap")] == [3, 2, 1, 5, 4]
    # By topic: bias (1, 4), gap (3, 2), then questions with no topic at all.
    assert [q["id"] for q in model.queue("topic")] == [1, 4, 3, 2, 5]


def test_filter_matches_the_suggested_topic_too() -> None:
    """Filtering by a topic id finds questions whose topic is only suggested."""
    model = model_with(question(1, suggested_topic="gap"), question(2, topic="bias"))
    assert [q["id"] for q in model.queue(needle="gap")] == [1]


def test_record_is_named_after_the_day_the_clock_started_else_today() -> None:
    """The record is <db stem>-<day it ran>.md: the clock's start day, else today (never both)."""
    from datetime import date, datetime
    from pathlib import Path

    from fireside.dashboard.record import record_path

    model = Model()
    model.session = {"starts_at": "2026-04-14T23:30:00+02:00"}
    reply = {"db": "/talks/fireside.db"}
    today = lambda: date(2030, 1, 1)  # noqa: E731 - a fixed "today", so midnight cannot matter
    assert record_path(reply, model, Path("/out"), today) == Path("/out/fireside-2030-01-01.md")
    # 21:40 UTC is 23:40 in the agenda's zone: the record keeps the agenda's day.
    started = datetime(2026, 4, 14, 21, 40, tzinfo=UTC).timestamp()
    model.clock = {"started_at": started}
    assert record_path(reply, model, Path("/out"), today) == Path("/out/fireside-2026-04-14.md")
