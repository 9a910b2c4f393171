"""A conversation entirely over MCP, checked in the database; identity enforcement."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable

import anyio
import pytest
from mcp.shared.exceptions import MCPError

from swarmbus.agents.config import Swarm
from swarmbus.bus.api import Bus
from tests.mcp.conftest import error_text, structured


async def test_two_agents_talk_over_mcp(connect: Callable, bus: Bus, swarm: Swarm) -> None:
    async with connect("Agent-1") as one, connect("Agent-2") as two:
        sent = structured(
            await one.call_tool(
                "send_message",
                {
                    "to": "Agent-2",
                    "content": "please review PR 7",
                    "subject": "review",
                    "ack_required": True,
                    "tags": ["review"],
                },
            )
        )
        first = sent["message_id"]
        inbox = structured(await two.call_tool("fetch_inbox", {}))
        assert [m["message_id"] for m in inbox["messages"]] == [first]
        assert inbox["messages"][0]["content"] == "please review PR 7"
        assert inbox["messages"][0]["thread_id"] == first
        assert inbox["marked_read"] == [first]
        assert structured(await two.call_tool("fetch_inbox", {}))["messages"] == []  # read now
        answer = structured(await two.call_tool("reply", {"message_id": first, "content": "on it"}))
        reply_id = answer["message_ids"]["Agent-1"]
        thread = structured(await one.call_tool("read_thread", {"thread_id": reply_id}))
        assert [m["message_id"] for m in thread["messages"]] == [first, reply_id]
        assert thread["participants"] == ["Agent-1", "Agent-2"]
        assert thread["subject"] == "review"
        acked = structured(
            await two.call_tool("acknowledge", {"message_id": first, "note": "done"})
        )
        assert acked["acknowledged_now"] is True
    row, answered = _rows(swarm, first, reply_id)
    assert row["from_agent"] == "Agent-1"
    assert row["to_agent"] == "Agent-2"
    assert row["subject"] == "review"
    assert row["read_at"] is not None
    assert row["acked_at"] is not None
    assert row["ack_note"] == "done"
    assert answered["thread_id"] == first
    assert answered["reply_to"] == first
    assert answered["from_agent"] == "Agent-2"
    assert answered["to_agent"] == "Agent-1"
    assert answered["read_at"] is not None  # Agent-1 opened it through read_thread


def _rows(swarm: Swarm, *ids: str) -> list[sqlite3.Row]:
    connection = sqlite3.connect(swarm.database)
    connection.row_factory = sqlite3.Row
    try:
        return [
            connection.execute("SELECT * FROM agent_messages WHERE message_id = ?", (i,)).fetchone()
            for i in ids
        ]
    finally:
        connection.close()


async def test_an_agent_cannot_read_or_ack_another_agents_mail(connect: Callable) -> None:
    async with connect("Agent-1") as one, connect("Agent-3") as three:
        first = structured(
            await one.call_tool("send_message", {"to": "Agent-2", "content": "secret plan"})
        )["message_id"]
        assert "only its recipient may acknowledge" in error_text(
            await three.call_tool("acknowledge", {"message_id": first})
        )
        assert "Agent-3 may read only its own messages" in error_text(
            await three.call_tool("read_message", {"message_id": first})
        )
        assert "Agent-3 is not in thread" in error_text(
            await three.call_tool("read_thread", {"thread_id": first})
        )
        assert "Agent-3 is not in thread" in error_text(
            await three.call_tool("reply", {"message_id": first, "content": "me too"})
        )
        assert structured(await three.call_tool("fetch_inbox", {}))["messages"] == []
        found = structured(await three.call_tool("search_messages", {"query": "secret plan"}))
        assert found["hits"] == []
        mine = structured(await one.call_tool("search_messages", {"query": "secret plan"}))
        assert [h["message"]["message_id"] for h in mine["hits"]] == [first]


async def test_send_has_no_from_parameter_and_acts_as_the_server_agent(
    connect: Callable, bus: Bus
) -> None:
    async with connect("Agent-3") as three:
        tools = {t.name: t for t in (await three.list_tools()).tools}
        assert "from_agent" not in tools["send_message"].input_schema["properties"]
        assert "from" not in tools["send_message"].input_schema["properties"]
        spoofed = await three.call_tool(
            "send_message", {"to": "Agent-1", "content": "hi", "from_agent": "Agent-2"}
        )
        if not spoofed.is_error:  # an unknown argument may be ignored, never obeyed
            message = await bus.get(spoofed.structured_content["message_id"])
            assert message.from_agent == "Agent-3"
        me = structured(await three.call_tool("whoami", {}))
        assert me["agent"] == "Agent-3"


async def test_whoami_counts_unread_and_overdue(connect: Callable, bus: Bus) -> None:
    await bus.send("Agent-1", "Agent-2", "ack me", ack_within=1)
    await bus.send("Agent-1", "Agent-2", "another")
    async with connect("Agent-2") as two:
        me = structured(await two.call_tool("whoami", {}))
        assert (me["unread"], me["transport"], me["delivery"]) == (2, "inbox", "paste")
        await anyio.sleep(1.2)
        assert len(structured(await two.call_tool("whoami", {}))["overdue_acks"]) == 1


async def test_swarm_tools_and_reports(connect: Callable) -> None:
    async with connect("Agent-1") as one:
        reported = structured(
            await one.call_tool("report_status", {"status": "busy", "focus": "issue 18"})
        )
        assert (reported["status"], reported["focus"]) == ("busy", "issue 18")
        agents = structured(await one.call_tool("list_agents", {}))["agents"]
        assert [a["name"] for a in agents] == ["Agent-1", "Agent-2", "Agent-3"]
        assert agents[0]["status"] == "busy"
        assert agents[0]["focus"] == "issue 18"
        status = structured(await one.call_tool("swarm_status", {}))
        assert status["dead_letters"] == 0
        assert "systems" in status
        refused = error_text(await one.call_tool("report_status", {"status": "sleepy"}))
        assert "'sleepy'" in refused
        assert "idle" in refused


async def test_resources_follow_the_same_rules(connect: Callable) -> None:
    async with connect("Agent-1") as one, connect("Agent-2") as two:
        first = structured(
            await one.call_tool("send_message", {"to": "Agent-2", "content": "resource body"})
        )["message_id"]
        inbox = await two.read_resource("swarmbus://inbox/Agent-2")
        listed = json.loads(inbox.contents[0].text)
        assert [m["message_id"] for m in listed["messages"]] == [first]
        message = json.loads(
            (await one.read_resource(f"swarmbus://message/{first}")).contents[0].text
        )
        assert message["content"] == "resource body"
        thread = json.loads(
            (await two.read_resource(f"swarmbus://thread/{first}")).contents[0].text
        )
        assert thread["participants"] == ["Agent-1", "Agent-2"]
        agents = json.loads((await two.read_resource("swarmbus://agents")).contents[0].text)
        assert len(agents["agents"]) == 3
        with pytest.raises(MCPError, match="reads only Agent-1's inbox"):
            await one.read_resource("swarmbus://inbox/Agent-2")
        async with connect("Agent-3") as three:
            with pytest.raises(MCPError, match="may read only its own messages"):
                await three.read_resource(f"swarmbus://message/{first}")
        unread = structured(await two.call_tool("fetch_inbox", {}))  # resources marked nothing
        assert [m["message_id"] for m in unread["messages"]] == [first]
