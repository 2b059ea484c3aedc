"""The hub's garbage-collector policy: long-lived objects leave the collector's walks while a
room fills, and come back once the room has emptied, so nothing is leaked for good."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator

import pytest

from fireside.gcpolicy import GcFreezer


@pytest.fixture
def thawed() -> Iterator[None]:
    """Leave the process's collector as the test found it (nothing frozen)."""
    thresholds = gc.get_threshold()
    gc.unfreeze()
    yield
    gc.unfreeze()
    gc.set_threshold(*thresholds)


class Leftover:
    """An object in a reference cycle, as a closed connection's can be."""

    def __init__(self) -> None:
        self.me = self


@pytest.mark.usefixtures("thawed")
def test_objects_of_a_filling_room_are_frozen_and_handed_back_when_it_empties() -> None:
    """Growing by a step freezes what exists (the collector no longer walks it); the room
    emptying to half hands it all back, and a cycle left by a departed connection is then
    reclaimed."""
    freezer = GcFreezer(step=10)
    freezer.observe(5)
    assert gc.get_freeze_count() == 0
    leftover = Leftover()
    probe = weakref.ref(leftover)
    freezer.observe(10)
    frozen = gc.get_freeze_count()
    assert frozen > 0 and freezer.frozen_at == 10
    freezer.observe(15)  # not a whole step more: nothing new is frozen
    assert gc.get_freeze_count() == frozen

    del leftover
    gc.collect()
    assert probe() is not None  # frozen: the collector does not walk it
    freezer.observe(5)
    assert gc.get_freeze_count() == 0 and freezer.frozen_at == 0
    gc.collect()
    assert probe() is None


@pytest.mark.usefixtures("thawed")
def test_a_step_of_zero_leaves_the_collector_alone() -> None:
    """``gc_freeze_step=0`` turns the policy off."""
    freezer = GcFreezer(step=0)
    freezer.observe(10_000)
    assert gc.get_freeze_count() == 0


@pytest.mark.usefixtures("thawed")
def test_young_collections_are_rarer_while_a_large_room_is_frozen() -> None:
    """While a room's objects are frozen the youngest generation is collected after more
    allocations (fewer pauses inside asks); the room emptying restores the usual rate."""
    before = gc.get_threshold()
    freezer = GcFreezer(step=10, young=before[0] * 10)
    freezer.observe(10)
    assert gc.get_threshold() == (before[0] * 10, *before[1:])
    freezer.observe(20)  # a second freeze keeps it, and remembers the usual rate
    freezer.observe(5)
    assert gc.get_threshold() == before
