"""The real `swarmbus mcp` in its own process: over stdio, launched the way an editor
launches it, and over streamable HTTP on 127.0.0.1, with and without a token."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from mcp import Client
from mcp.client.stdio import StdioServerParameters
from mcp.client.streamable_http import streamable_http_client
from mcp.shared._httpx_utils import create_mcp_http_client

from swarmbus.agents.config import Swarm
from swarmbus.bus.api import Bus
from tests.mcp.conftest import structured

SWARMBUS = str(Path(sys.executable).with_name("swarmbus"))
TOKEN = "s3cret-token-for-the-tests-only"


def _env(swarm: Swarm, **extra: str) -> dict[str, str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("SWARMBUS_")}
    return {**base, "SWARMBUS_CONFIG": str(swarm.path), **extra}


async def test_stdio_server_launched_like_an_editor_does(swarm: Swarm, bus: Bus) -> None:
    await bus.send("Agent-2", "Agent-1", "over stdio")
    launch = StdioServerParameters(
        command=SWARMBUS, args=["mcp", "--agent", "Agent-1"], env=_env(swarm)
    )
    async with Client(launch) as client:
        names = {tool.name for tool in (await client.list_tools()).tools}
        assert {"send_message", "fetch_inbox", "who_holds"} <= names
        inbox = structured(await client.call_tool("fetch_inbox", {}))
        assert [m["content"] for m in inbox["messages"]] == ["over stdio"]
        sent = structured(
            await client.call_tool("send_message", {"to": "Agent-2", "content": "hi"})
        )
    message = await bus.get(sent["message_id"])
    assert (message.from_agent, message.to_agent, message.content) == ("Agent-1", "Agent-2", "hi")
    assert (await bus.get(inbox["messages"][0]["message_id"])).read_at is not None


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--agent", "Agent-9"], "agent 'Agent-9' is not a configured agent"),
        ([], "say which agent this server serves"),
        (["--agent", "Agent-1", "--http", "example.com:80"], "--http 'example.com:80'"),
        (["--agent", "Agent-1", "--http", "0.0.0.0:0"], "needs a token: set SWARMBUS_MCP_TOKEN"),
        (["--agent", "Agent-1", "--timeout", "0"], "--timeout 0 is not allowed"),
    ],
)
def test_a_server_that_cannot_serve_says_why_at_once(
    swarm: Swarm, bus: Bus, args: list[str], expected: str
) -> None:
    done = subprocess.run(
        [SWARMBUS, "mcp", *args], env=_env(swarm), capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 2
    assert done.stdout == ""
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1
    assert expected in lines[0]


@contextmanager
def http_server(swarm: Swarm, **env: str) -> Iterator[str]:
    process = subprocess.Popen(
        [SWARMBUS, "mcp", "--agent", "Agent-1", "--http", "127.0.0.1:0"],
        env=_env(swarm, **env),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        line = process.stdout.readline() if process.stdout else ""
        assert line.startswith("swarmbus mcp on http://127.0.0.1:"), process.stderr.read()
        yield line.split()[3]
    finally:
        process.terminate()
        output = process.communicate(timeout=20)
        assert TOKEN not in output[0] + output[1]  # never logged
    assert process.returncode == 0


async def _post(url: str, headers: dict[str, str]) -> httpx.Response:
    async with httpx.AsyncClient(timeout=10) as client:
        return await client.post(url, headers=headers, json={})


async def test_http_on_loopback_without_a_token(swarm: Swarm, bus: Bus) -> None:
    with http_server(swarm) as url:
        async with Client(url) as client:
            sent = structured(
                await client.call_tool("send_message", {"to": "Agent-2", "content": "over http"})
            )
            assert structured(await client.call_tool("whoami", {}))["agent"] == "Agent-1"
        rebound = await _post(url, {"Host": "evil.example:80"})
        assert rebound.status_code in (400, 403, 421)  # DNS rebinding stops at the Host check
        foreign = await _post(url, {"Origin": "http://evil.example"})
        assert foreign.status_code == 403
    assert (await bus.get(sent["message_id"])).content == "over http"


async def test_http_with_a_token_refuses_requests_without_it(swarm: Swarm, bus: Bus) -> None:
    with http_server(swarm, SWARMBUS_MCP_TOKEN=TOKEN) as url:
        for headers in ({}, {"Authorization": "Bearer wrong-token-of-some-length"}):
            refused = await _post(url, headers)
            assert refused.status_code == 401
            assert TOKEN not in refused.text
        authorized = create_mcp_http_client(headers={"Authorization": f"Bearer {TOKEN}"})
        async with (
            authorized,
            Client(streamable_http_client(url, http_client=authorized)) as client,
        ):
            sent = structured(
                await client.call_tool("send_message", {"to": "Agent-2", "content": "with token"})
            )
    assert (await bus.get(sent["message_id"])).from_agent == "Agent-1"
