"""The MCP endpoints inside `swarmbus web`: each agent's server at /mcp/AGENT/, behind
the dashboard's front door, tested with the SDK's client against a real server; and
each server built on its first request, through the endpoints' ASGI interface."""

from __future__ import annotations

from typing import Any

import anyio
import httpx
from mcp import Client

from swarmbus.agents.config import Swarm
from swarmbus.bus.api import Bus
from swarmbus.mcp.endpoints import agent_endpoints, server_builder
from tests.mcp.conftest import structured
from tests.web.servers import INITIALIZE, MCP_ACCEPT, dashboard


async def test_each_agent_is_served_at_its_own_path(swarm: Swarm, bus: Bus, state_dir: str) -> None:
    await bus.send("Agent-1", "Agent-2", "read me over the dashboard's MCP")
    with dashboard(swarm, state_dir) as served:
        async with Client(served.url + "mcp/Agent-2/") as client:
            who = structured(await client.call_tool("whoami", {}))
            inbox = structured(await client.call_tool("fetch_inbox", {}))
            sent = structured(
                await client.call_tool("send_message", {"to": "Agent-1", "content": "done"})
            )
        async with Client(served.url + "mcp/Agent-1/") as client:
            assert structured(await client.call_tool("whoami", {}))["agent"] == "Agent-1"
    assert who["agent"] == "Agent-2"
    assert [m["content"] for m in inbox["messages"]] == ["read me over the dashboard's MCP"]
    message = await bus.get(sent["message_id"])
    assert (message.from_agent, message.to_agent) == ("Agent-2", "Agent-1")


async def test_the_front_door_still_holds(swarm: Swarm, bus: Bus, state_dir: str) -> None:
    with dashboard(swarm, state_dir) as served:
        async with httpx.AsyncClient(base_url=served.url, timeout=10) as http:
            unknown = await http.post("mcp/Agent-9/", json={})
            foreign = await http.post("mcp/Agent-2/", json={}, headers={"Origin": "http://evil"})
            rebound = await http.post("mcp/Agent-2/", json={}, headers={"Host": "evil.example"})
            form = await http.post("send", data={"to": "Agent-2"})  # a page's POST: no Origin
    assert unknown.status_code == 404
    assert foreign.status_code == 403
    assert rebound.status_code == 400
    assert form.status_code == 403


async def test_no_mcp_leaves_the_path_to_the_pages(swarm: Swarm, bus: Bus, state_dir: str) -> None:
    with dashboard(swarm, state_dir, "--no-mcp") as served:
        async with httpx.AsyncClient(timeout=10) as http:
            response = await http.post(served.url + "mcp/Agent-2/", json={})
    assert response.status_code in (404, 405)


MCP_HEADERS = {"accept": MCP_ACCEPT}


async def test_each_server_is_built_on_its_first_request_and_kept(bus: Bus) -> None:
    built: list[str] = []
    real = server_builder(bus, "127.0.0.1")

    def build(name: str) -> Any:
        built.append(name)
        return real(name)

    app = agent_endpoints(build, tuple(bus.configured))
    transport = httpx.ASGITransport(app=app)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as http,
    ):
        assert built == []  # serving started, nothing built

        async def initialize(agent: str) -> httpx.Response:
            return await http.post(f"/{agent}/", json=INITIALIZE, headers=MCP_HEADERS)

        first, again = await initialize("Agent-2"), await initialize("Agent-2")
        async with anyio.create_task_group() as group:  # two first requests at once
            for _ in range(2):
                group.start_soon(initialize, "Agent-1")
    assert (first.status_code, again.status_code) == (200, 200)
    assert first.json()["result"]["serverInfo"]["name"] == "swarmbus"
    assert built == ["Agent-2", "Agent-1"]


async def test_an_unknown_agent_is_refused_in_one_line_and_builds_nothing(bus: Bus) -> None:
    built: list[str] = []
    app = agent_endpoints(built.append, tuple(bus.configured))  # type: ignore[arg-type]
    transport = httpx.ASGITransport(app=app)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as http,
    ):
        response = await http.post("/Agent-9/", json=INITIALIZE, headers=MCP_HEADERS)
        long = await http.post(f"/{'A' * 5000}/", json=INITIALIZE, headers=MCP_HEADERS)
    assert response.status_code == 404
    assert response.json() == {
        "error": "no MCP server for 'Agent-9' here; use /mcp/AGENT/, AGENT one of "
        + ", ".join(sorted(bus.configured))
    }
    assert long.status_code == 404
    assert "(5,000 characters)" in long.json()["error"]
    assert len(long.json()["error"]) < 200
    assert built == []
