"""Hints for the moderator: a suggested topic and an earlier question asking the same,
what the moderator's topic and merge actions teach them, and the worker that computes them
after the acks.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import logging
from collections.abc import Callable, Generator
from dataclasses import dataclass, field

from fireside_ask import protocol as p

from ..agenda import Agenda
from ..room import Change, Question, Room
from ..store import Write, question_update
from ..topics import DuplicateIndex, TopicSuggester

log = logging.getLogger("fireside.hub")


def _live(question: Question) -> bool:
    """Whether a question can still be the original of a duplicate."""
    return question.state != p.REJECTED and question.merged_into is None


HintSteps = Generator[None, None, tuple[Write, int] | None]
"""One question's hint, a step per ``next``; it returns its write and the room generation it
was decided on (``None`` for a question that is gone)."""
Hint = Callable[[int], HintSteps]
"""Computes and pushes one question's hint in steps (it yields between them, so that a
request that arrives meanwhile waits for one step, not the whole hint)."""


class Hints:
    """The topic suggester and duplicate index of one hub, kept in step with its room."""

    def __init__(self, agenda: Agenda) -> None:
        self.topics = TopicSuggester(agenda)
        self.duplicates = DuplicateIndex()
        self.waiting: set[int] = set()
        """Questions asked whose hint is not computed yet: kept out of the duplicate index
        until then, so that a question is never found as a duplicate of itself."""

    def steps(self, room: Room, question_id: int, publish: Callable[[Question], None]) -> HintSteps:
        """After the ack: a question's hint in two steps (topic, then duplicate search), each
        about half a hint's time, so the worker lets the loop handle what arrived in between;
        ``publish`` shows it to the moderators."""
        question = room.questions.get(question_id)
        if question is None:  # the room was reloaded without it
            self.waiting.discard(question_id)
            return None
        self.suggest_topic(question)
        yield
        if room.questions.get(question_id) is not question:  # reloaded meanwhile
            self.waiting.discard(question_id)
            return None
        self.find_duplicate(question)
        publish(question)
        # The generation of the room that decided it: the writer refuses it after a reload.
        return question_update(question), room.generation

    def suggest_topic(self, question: Question) -> None:
        """A hint's first step: the suggested topic and the words behind it."""
        suggestion = self.topics.suggest(question.text, live_segment=question.segment)
        question.suggested_topic = suggestion.topic
        question.suggestion_words = " ".join(suggestion.words) or None

    def find_duplicate(self, question: Question) -> None:
        """A hint's second step: the earlier question asking the same, if any; the question
        then joins the duplicate index."""
        question.duplicate_of = self.duplicates.find(question.text)
        self.waiting.discard(question.id)
        if _live(question):  # the moderator may have merged or rejected it meanwhile
            self.duplicates.add(question.id, question.text)

    def learn(self, change: Change, room: Room) -> None:
        """Turn the moderator's topic and merge actions into examples for later hints."""
        action = change.action
        if action is None or action.undone or action.kind not in ("topic", "merge"):
            return
        question = room.questions.get(action.question_id)
        if question is None:
            return
        if action.kind == "topic" and question.topic:
            self.topics.learn(question.text, question.topic)
        elif action.kind == "merge" and question.merged_into is not None:
            self.duplicates.learn_merge(question.text, question.merged_into)

    def index(self, room: Room) -> None:
        """Index the live questions of a (re)loaded room for duplicate search."""
        self.duplicates = DuplicateIndex()
        for question in sorted(room.questions.values(), key=lambda q: q.id):
            if _live(question) and question.id not in self.waiting:
                self.duplicates.add(question.id, question.text)

    def reindex(self, change: Change) -> None:
        """Keep the duplicate index to questions that are live, with their current text."""
        for question in change.questions:
            self.duplicates.remove(question.id)
            if _live(question) and question.id not in self.waiting:
                self.duplicates.add(question.id, question.text)


Store = Callable[[list[Write], int], None]
"""Queues hint writes decided on one room generation."""


_MORE = object()
"""A hint step's outcome when the hint has more steps."""


@dataclass(eq=False)
class HintWorker:
    """Computes the hints of arriving questions in one task that gives way to requests.

    Hints are advice to the moderator, so an ask's ack (and the loop's throughput for acks)
    comes first: the task computes one hint at a time only while no request is being handled
    (``quiet``) and no fan-out is going out (``held``), yielding to the loop after each of
    its steps (``Hint``) and waiting for quiet again, and during a long burst one step every
    ``patience`` seconds. Every hint is still computed, pushed and stored, in arrival order;
    the writes of consecutive hints go to the writer together (``batch`` at most).
    """

    hint: Hint
    store: Store
    quiet: asyncio.Event
    held: Callable[[], bool]
    """Whether a fan-out is going out: hints wait for it too."""
    patience: float
    batch: int = 64
    _ids: collections.deque[int] = field(default_factory=collections.deque, init=False)
    _wake: asyncio.Event = field(default_factory=asyncio.Event, init=False)
    _task: asyncio.Task[None] | None = field(default=None, init=False)
    _writes: list[Write] = field(default_factory=list, init=False)
    """Computed hints' writes not yet queued, all of room generation ``_generation``."""
    _generation: int = field(default=0, init=False)
    _current: HintSteps | None = field(default=None, init=False)
    """The hint whose steps are under way, for ``finish`` to complete."""

    def __len__(self) -> int:
        return len(self._ids)

    def add(self, question_id: int) -> None:
        """Queue a question for its hint (after its ack)."""
        self._ids.append(question_id)
        self._wake.set()
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._run(), name="fireside-hints")

    async def _run(self) -> None:
        try:
            while True:
                if not self._ids:
                    self._wake.clear()
                    await self._wake.wait()
                await self._turn()
                while self._ids:
                    steps = self._current = self.hint(self._ids.popleft())
                    # Between the steps of one hint, a request that arrived goes first.
                    while (done := self._step(steps)) is _MORE:
                        await asyncio.sleep(0)
                        await self._turn()
                    self._current = None
                    self._keep(done)
                    if len(self._writes) >= self.batch or not self._free():
                        break
                    await asyncio.sleep(0)  # whatever arrived meanwhile goes first
                self._flush()
                await asyncio.sleep(0)
        finally:
            self._flush()  # computed and pushed hints are stored even when stopped

    def _free(self) -> bool:
        return self.quiet.is_set() and not self.held()

    async def _turn(self) -> None:
        """Wait until no request is handled and no fan-out goes out, or ``patience`` passed."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.patience
        while not self._free() and (left := deadline - loop.time()) > 0:
            if not self.quiet.is_set():
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self.quiet.wait(), left)
            else:
                await asyncio.sleep(0)  # a fan-out goes out a slice per turn of the loop

    @staticmethod
    def _step(steps: HintSteps) -> tuple[Write, int] | None | object:
        """Run one step of a hint: ``_MORE`` if it has more, else what it returned."""
        try:
            next(steps)
        except StopIteration as stop:
            return stop.value  # type: ignore[no-any-return]
        return _MORE

    def _complete(self, steps: HintSteps) -> None:
        """Run a hint's remaining steps at once and keep its write."""
        while (done := self._step(steps)) is _MORE:
            pass
        self._keep(done)

    def _keep(self, done: object) -> None:
        """Keep a computed hint's write for the next flush."""
        if done is None:
            return
        assert isinstance(done, tuple)
        write, generation = done
        if self._writes and generation != self._generation:
            self._flush()
        self._writes.append(write)
        self._generation = generation

    def _flush(self) -> None:
        if self._writes:
            writes, self._writes = self._writes, []
            self.store(writes, self._generation)

    def finish(self) -> None:
        """Stop the task and compute what is left at once (the hub is closing)."""
        if self._task is not None:
            self._task.cancel()
            self._task = None
        if self._current is not None:  # the hint the task was in the middle of
            steps, self._current = self._current, None
            self._complete(steps)
        while self._ids:
            self._complete(self.hint(self._ids.popleft()))
        self._flush()
