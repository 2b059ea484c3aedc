"""Repeated log records are cut short with a count; different messages are not affected."""

from __future__ import annotations

import logging

from fireside.logfilter import RepeatFilter


def record(msg: str, *args: object, level: int = logging.ERROR) -> logging.LogRecord:
    return logging.LogRecord("asyncio", level, __file__, 1, msg, args or None, None)


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_a_flood_of_one_message_leaves_a_few_lines_and_a_count() -> None:
    """62,000 identical errors in 12 s leave three lines, then one line with the count."""
    clock = Clock()
    repeats = RepeatFilter(burst=3, interval=60.0, clock=clock)
    passed = []
    for n in range(62_000):
        clock.now = n * 12 / 62_000
        one = record("socket.accept() out of system resource")
        if repeats.filter(one):
            passed.append(one.getMessage())
    assert len(passed) == 3
    assert passed[-1].endswith("[repeats are suppressed for 60 s]")
    clock.now = 61.0
    later = record("socket.accept() out of system resource")
    assert repeats.filter(later)
    assert later.getMessage().endswith("[61997 more like this were suppressed before]")


def test_messages_with_different_arguments_count_as_the_same_message() -> None:
    """'dropped %s' for many clients is one message; its arguments are kept intact."""
    repeats = RepeatFilter(burst=2, interval=10.0, clock=Clock())
    results = [repeats.filter(record("dropped %s: 100%% stalled", f"c{n}")) for n in range(5)]
    assert results == [True, True, False, False, False]
    last = record("dropped %s: 100%% stalled", "c9")
    RepeatFilter(burst=1, clock=Clock()).filter(last)
    assert last.getMessage() == "dropped c9: 100% stalled [repeats are suppressed for 60 s]"


def test_other_messages_and_levels_pass_untouched() -> None:
    """A flood of one error does not hide a different warning."""
    repeats = RepeatFilter(burst=1, interval=10.0, clock=Clock())
    assert repeats.filter(record("flood"))
    assert not repeats.filter(record("flood"))
    assert repeats.filter(record("flood", level=logging.WARNING))
    other = record("the moderator connected")
    assert repeats.filter(other)
    assert other.getMessage().startswith("the moderator connected")
