"""What the dashboard reads for a person: their messages and replies, the unread counts,
the latest releases; on both backends, and never a read receipt on the way."""

from __future__ import annotations

import anyio
import pytest

from swarmbus import errors
from swarmbus.bus.api import Bus
from tests.conftest import BACKENDS

pytestmark = pytest.mark.parametrize("backend", BACKENDS, indirect=True)
PROJECT = "/home/someone/work/swarmbus"


async def test_for_person_lists_their_messages_and_every_reply_to_what_they_wrote(
    bus: Bus,
) -> None:
    asked = await bus.send("web:alice", "Agent-1", "which branch?")
    answer = (await bus.reply(asked, "Agent-1", "main")).message_ids["web:alice"]
    status = await bus.send("person", "Agent-2", "is CI green?")
    to_person = (await bus.reply(status, "Agent-2", "yes")).message_ids["person"]
    root = await bus.send("Agent-3", "Agent-2", "plan the release")
    joined = (await bus.reply(root, "web:alice", "ship on Friday")).message_ids["Agent-3"]
    aside = await bus.reply(joined, "Agent-2", "noted", to=["Agent-3"])
    await bus.send("Agent-1", "Agent-2", "not for the person")
    found = await bus.for_person("person", "web:alice")
    expected = [aside.message_ids["Agent-3"], to_person, answer]
    assert [m.message_id for m in found] == expected  # newest first, nothing else
    older = await bus.for_person("person", "web:alice", before=to_person, limit=5)
    assert [m.message_id for m in older] == [answer]
    assert [m.message_id for m in await bus.for_person("person")] == [to_person]
    assert [m.message_id for m in await bus.for_person("web:alice")] == [
        aside.message_ids["Agent-3"],
        answer,
    ]
    assert [(await bus.get(i)).read_at for i in expected] == [None] * 3  # looking reads nothing


async def test_for_person_refuses_a_name_nobody_could_have(bus: Bus) -> None:
    with pytest.raises(errors.InvalidMessage, match="alias 'web:no spaces' is not allowed"):
        await bus.for_person("person", "web:no spaces")
    with pytest.raises(errors.UnknownAgent, match="person 'Agnet-1' is not a configured agent"):
        await bus.for_person("Agnet-1")
    with pytest.raises(errors.UsageError):
        await bus.for_person("person", before="not-an-id")


async def test_unread_counts_leave_out_what_was_read_and_show_in_the_status(bus: Bus) -> None:
    for n in range(3):
        await bus.send("person", "Agent-2", f"task {n}")
    await bus.send("person", "Agent-3", "one more")
    await bus.read("Agent-2", "Agent-2", limit=1)  # the recipient opens the newest
    await bus.read("Agent-3", "person")  # someone else's look marks nothing
    assert (await bus.db.messages.counts()).unread == {"Agent-2": 2, "Agent-3": 1}
    lines = {line.name: line.unread for line in (await bus.status()).agents}
    assert lines == {"Agent-1": 0, "Agent-2": 2, "Agent-3": 1}


async def test_released_reservations_say_who_force_released_them_and_why(bus: Bus) -> None:
    grant = await bus.reserve("Agent-1", ["storage/**"], PROJECT, reason="claim query")
    await bus.reserve("Agent-2", ["docs/*.md"], PROJECT, exclusive=False)
    await bus.release("Agent-2", PROJECT)
    await anyio.sleep(0.01)  # newest first goes by the release's time, kept to the millisecond
    held = grant.granted[0].reservation_id
    await bus.force_release(held, "Agent-1 is offline", by="web:alice")
    released = await bus.released_reservations()
    assert [(r.agent_id, r.released_by, r.release_reason) for r in released] == [
        ("Agent-1", "web:alice", "Agent-1 is offline"),
        ("Agent-2", None, None),
    ]
    assert await bus.reservations() == []
    assert len(await bus.released_reservations(limit=1)) == 1
