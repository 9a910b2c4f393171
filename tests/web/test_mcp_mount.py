"""The MCP endpoints inside `swarmbus web`: each agent's server at /mcp/AGENT/, behind
the dashboard's front door, tested with the SDK's client against a real server."""

from __future__ import annotations

import httpx
from mcp import Client

from swarmbus.agents.config import Swarm
from swarmbus.bus.api import Bus
from tests.mcp.conftest import structured
from tests.web.servers import dashboard


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
