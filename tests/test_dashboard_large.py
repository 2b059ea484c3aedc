"""A session with many questions: the dashboard builds only the rows it shows.

The hub's database is filled directly (as ``benchmarks/bench_dashboard.py`` does) before the
hub starts, so the dashboard opens on a large session in one welcome.
"""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from textual.widgets._footer import FooterKey

from fireside.dashboard.table import QuestionTable, _LazyCell
from fireside.dashboard.widgets import KeysFooter
from fireside.hub import Hub, HubConfig
from fireside.room import Question
from fireside.store import Store, question_write

from .dashboard_helpers import dashboard, row_text, rows, until

pytestmark = pytest.mark.anyio

COUNT = 400


@pytest.fixture
async def hub(hub_config: HubConfig) -> AsyncIterator[Hub]:
    """A hub whose database already holds ``COUNT`` pending questions."""
    store = Store(hub_config.db_path)
    store.commit(
        [
            question_write(
                Question(
                    id=i,
                    client_id=f"client-{i:06d}",
                    request_id="r1",
                    text=f"Question number {i} about open models?",
                    original_text=f"Question number {i} about open models?",
                    state="pending",
                    created_at=1_700_000_000.0 + i,
                )
            )
            for i in range(1, COUNT + 1)
        ]
    )
    store.close()
    async with Hub(hub_config) as running:
        yield running


def built_rows(table: QuestionTable) -> int:
    """How many rows have had their cells built (drawn at least once)."""
    first_cells = (next(iter(row.values())) for row in table._data.values())
    return sum(1 for cell in first_cells if isinstance(cell, _LazyCell) and cell.row.built)


async def test_opening_a_large_session_builds_only_the_rows_in_view(
    url: str, tmp_path: Path
) -> None:
    """All 400 questions are rows of the inbox, but only about a screenful is built; the
    last question shows its text once the moderator scrolls to it."""
    async with dashboard(url) as (app, pilot):
        await until(pilot, lambda: len(rows(app, "inbox")) == COUNT, what="every row")
        table = app.dashboard.query_one("#inbox", QuestionTable)
        await pilot.pause()
        assert 0 < built_rows(table) <= table.size.height + 10
        await pilot.press("end")
        await until(pilot, lambda: table.current_id == COUNT, what="the last row")
        await pilot.pause()
        assert f"Question number {COUNT} about" in row_text(app, "inbox", COUNT)
        assert built_rows(table) < COUNT // 2


async def test_opening_takes_the_startup_heap_out_of_the_collectors_walks(url: str) -> None:
    """Opening a large session is not slowed by the collector walking every imported
    object: what exists when the dashboard starts is frozen until it quits."""
    gc.unfreeze()
    async with dashboard(url):
        assert gc.get_freeze_count() > 0
    assert gc.get_freeze_count() == 0  # handed back: nothing is kept from the collector


async def test_the_footer_is_rebuilt_only_when_the_keys_that_apply_change(url: str) -> None:
    """The footer's keys stay as they are while nothing changes what applies, and follow
    the highlighted question when it does."""
    async with dashboard(url) as (app, pilot):
        footer = app.dashboard.query_one(KeysFooter)
        keys = list(footer.query(FooterKey))
        assert "approve" in [key.action for key in keys]
        app.dashboard.refresh_bindings()
        app.dashboard.query_one("#inbox", QuestionTable).focus()
        await pilot.pause()
        await pilot.pause()
        assert list(footer.query(FooterKey)) == keys
        await pilot.press("tab")  # to the queue, which is empty: no question keys apply
        await until(
            pilot,
            lambda: "approve" not in [key.action for key in footer.query(FooterKey)],
            what="the question keys to go",
        )
