"""MCP test fixtures: a real SQLite swarm of inbox agents, and an in-memory SDK client per
agent talking to the real server object (`Client(server)` runs both in this process)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

import pytest
from mcp import Client

from swarmbus.agents.config import Swarm
from swarmbus.bus.api import Bus
from swarmbus.mcp.server import build_server

AGENTS = ["Agent-1", "Agent-2", "Agent-3"]


@pytest.fixture
def swarm(make_swarm: Callable[..., Swarm]) -> Swarm:
    return make_swarm(AGENTS, transport="inbox", bus={"max_message_bytes": 4096})


@pytest.fixture
def connect(bus: Bus) -> Callable[..., AbstractAsyncContextManager[Client]]:
    """`async with connect("Agent-1") as client`: an MCP client acting as that agent."""

    @asynccontextmanager
    async def open_client(agent: str, timeout: float = 5.0) -> AsyncIterator[Client]:
        async with Client(build_server(bus, agent, timeout)) as client:
            yield client

    return open_client


def structured(result: Any) -> dict[str, Any]:
    """A tool's structured result; a tool error fails the test with its text."""
    assert not result.is_error, result.content[0].text
    assert result.structured_content is not None
    return result.structured_content


def error_text(result: Any) -> str:
    """A tool error's one line; a success fails the test."""
    assert result.is_error, result.structured_content
    text = result.content[0].text
    assert "\n" not in text, text
    return text
