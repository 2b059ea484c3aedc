"""Shared fixtures: a real hub on a loopback port, and raw protocol clients.

Async test modules say ``pytestmark = pytest.mark.anyio``; they run on asyncio.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from fireside.hub import Hub, HubConfig

from .wsclient import RawClient

TOKEN = "test-moderator-token"


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def hub_config(tmp_path: Path, request: pytest.FixtureRequest) -> HubConfig:
    """A hub on a free loopback port with a known token; tests may change it first.

    ``@helpers.configure(...)`` changes it per test before the hub starts.
    """
    config = HubConfig(db_path=tmp_path / "hub.db", host="127.0.0.1", port=0, token=TOKEN)
    for name, value in getattr(request, "param", {}).items():
        assert hasattr(config, name), f"HubConfig has no {name}"
        setattr(config, name, value)
    return config


@pytest.fixture
async def hub(hub_config: HubConfig) -> AsyncIterator[Hub]:
    async with Hub(hub_config) as running:
        yield running


@pytest.fixture
def url(hub: Hub) -> str:
    return f"ws://127.0.0.1:{hub.port}"


@pytest.fixture
async def connect(url: str) -> AsyncIterator[Callable[..., object]]:
    """Open raw clients that are all closed when the test ends."""
    opened: list[RawClient] = []

    async def open_client(role: str = "attendee", **kwargs: object) -> RawClient:
        if role == "moderator":
            kwargs.setdefault("token", TOKEN)
        client = await RawClient.open(url, role=role, **kwargs)  # type: ignore[arg-type]
        opened.append(client)
        return client

    yield open_client
    for client in opened:
        await client.close()
