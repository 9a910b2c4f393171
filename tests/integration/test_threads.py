"""Threads, replies and their routing, read receipts and acknowledgements, on both backends."""

from __future__ import annotations

from datetime import timedelta

import pytest

from swarmbus import errors
from swarmbus.bus.api import Bus
from swarmbus.model import timefmt
from tests.conftest import BACKENDS

pytestmark = pytest.mark.parametrize("backend", BACKENDS, indirect=True)


async def test_a_reply_answers_the_sender_in_the_same_thread(bus: Bus) -> None:
    first = await bus.send("Agent-1", "Agent-2", "can you take PR 42?", subject="PR 42")
    answer = await bus.reply(first, "Agent-2", "yes, on it")
    assert list(answer.message_ids) == ["Agent-1"]
    back = await bus.reply(answer.message_ids["Agent-1"], "Agent-1", "thanks")
    assert list(back.message_ids) == ["Agent-2"]
    again = await bus.reply(first, "Agent-1", "one more thing")  # the author follows up
    assert list(again.message_ids) == ["Agent-2"]
    thread = await bus.thread(back.message_ids["Agent-2"])
    assert thread.thread_id == first == answer.thread_id
    assert thread.subject == "PR 42"
    assert thread.participants == ["Agent-1", "Agent-2"]
    assert [m.content for m in thread.messages] == [
        "can you take PR 42?", "yes, on it", "thanks", "one more thing",
    ]  # fmt: skip
    assert [m.reply_to for m in thread.messages] == [
        None, first, answer.message_ids["Agent-1"], first,
    ]  # fmt: skip
    assert {m.subject for m in thread.messages} == {"PR 42"}
    assert {m.thread_id for m in thread.messages} == {first}


async def test_a_broadcast_is_one_thread_and_its_replies_go_to_the_broadcaster(bus: Bus) -> None:
    sent = await bus.broadcast("Agent-1", "standup in 5")
    assert sorted(sent.message_ids) == ["Agent-2", "Agent-3"]
    copies = [await bus.get(i) for i in sent.message_ids.values()]
    assert {m.thread_id for m in copies} == {min(sent.message_ids.values())}
    reply = await bus.reply(sent.message_ids["Agent-3"], "Agent-3", "coming")
    assert list(reply.message_ids) == ["Agent-1"]
    thread = await bus.thread(sent.message_ids["Agent-2"])
    assert len(thread.messages) == 3
    assert thread.participants == ["Agent-1", "Agent-2", "Agent-3"]
    # Agent-3 may answer Agent-2 in the thread: both take part in it
    aside = await bus.reply(reply.message_ids["Agent-1"], "Agent-3", "see you", to=["Agent-2"])
    assert list(aside.message_ids) == ["Agent-2"]


async def test_a_reply_to_a_person_waits_in_the_database_as_delivered(bus: Bus) -> None:
    first = await bus.send("person", "Agent-1", "status?")
    reply = await bus.reply(first, "Agent-1", "all green")
    answer = await bus.get(reply.message_ids["person"])
    assert (answer.to_agent, answer.delivery_status, answer.delivery_method) == (
        "person", "delivered", None,
    )  # fmt: skip
    inbox = await bus.read("person", "person")
    assert [m.message_id for m in inbox.messages] == [answer.message_id]
    assert inbox.marked == [answer.message_id]
    assert "person" not in [row.agent_id for row in await bus.agents()]  # no registry listing


async def test_to_names_several_participants_as_one_group(bus: Bus) -> None:
    sent = await bus.broadcast("person", "who owns the flaky test?")
    reply = await bus.reply(sent.message_ids["Agent-1"], "Agent-1", "me", to=["person", "Agent-2"])
    assert sorted(reply.message_ids) == ["Agent-2", "person"]
    rows = [await bus.get(i) for i in reply.message_ids.values()]
    assert len({m.broadcast_id for m in rows}) == 1
    assert rows[0].broadcast_id is not None


async def test_bad_replies_are_refused_and_store_nothing(bus: Bus) -> None:
    first = await bus.send("Agent-1", "Agent-2", "private")
    gone = await bus.send("Agent-1", "Agent-2", "too late", expires_in=0.001)
    await bus.db.connector.execute(
        "UPDATE agent_messages SET delivery_status = 'expired', status = 'expired' "
        "WHERE message_id = :id",
        {"id": gone},
    )
    before = len(await bus.messages(limit=100))
    cases = [
        (("01M8ZZZZZZZZZZZZZZZZZZZZZZ", "Agent-2", "hi"), {}, "never sent, or pruned"),
        ((gone, "Agent-2", "hi"), {}, "expired before it was delivered"),
        ((first, "Agent-3", "hi"), {}, "Agent-3 is not in thread"),
        ((first, "Agent-2", "hi"), {"to": ["Agent-3"]}, "'Agent-3' is not in thread"),
        ((first, "Agent-2", "hi"), {"subject": "new"}, "keeps its thread's subject"),
        ((first, "Agent-2", " "), {}, "message is empty"),
        ((first, "Nobody", "hi"), {}, "'Nobody'"),
    ]
    for args, options, expected in cases:
        with pytest.raises(errors.UsageError) as refused:
            await bus.reply(*args, **options)
        assert expected in str(refused.value), (args, options)
    assert len(await bus.messages(limit=100)) == before


async def test_a_person_may_join_any_thread(bus: Bus) -> None:
    first = await bus.send("Agent-1", "Agent-2", "between agents")
    reply = await bus.reply(first, "discord:alice", "I am taking over")
    assert list(reply.message_ids) == ["Agent-1"]
    assert "discord:alice" in (await bus.thread(first)).participants


async def test_reading_marks_only_the_recipients_own_opening(bus: Bus) -> None:
    first = await bus.send("Agent-1", "Agent-2", "one")
    second = await bus.send("Agent-3", "Agent-2", "two")
    peeked = await bus.read("Agent-2", "Agent-2", peek=True)
    assert [m.message_id for m in peeked.messages] == [second, first]  # newest first
    assert peeked.marked == []
    assert {m.reading for m in peeked.messages} == {"unread"}
    nosy = await bus.read("Agent-2", "Agent-3")
    assert nosy.marked == []
    assert (await bus.get(first)).read_at is None
    own = await bus.read("Agent-2", "Agent-2", unread=True)
    assert own.marked == sorted([first, second])
    assert {m.reading for m in own.messages} == {"read"}
    read_at = (await bus.get(first)).read_at
    assert read_at is not None
    assert (await bus.read("Agent-2", "Agent-2", unread=True)).messages == []
    await bus.read("Agent-2", "Agent-2")
    assert (await bus.get(first)).read_at == read_at  # the first opening stays


async def test_a_face_records_an_opening_by_id(bus: Bus) -> None:
    first = await bus.send("Agent-1", "Agent-2", "file")
    assert await bus.opened([first.lower(), "not-an-id"], "Agent-3") == []
    assert await bus.opened([first.lower()], "Agent-2") == [first]
    assert await bus.opened([first], "Agent-2") == []


async def test_only_the_recipient_acknowledges_once_and_a_reply_is_no_ack(bus: Bus) -> None:
    first = await bus.send("Agent-1", "Agent-2", "deploy", ack_required=True)
    await bus.reply(first, "Agent-2", "deploying")
    message = await bus.get(first)
    assert (message.ack_required, message.acked_at, message.reading) == (True, None, "unread")
    with pytest.raises(errors.NotRecipient, match="addressed to Agent-2; only its recipient"):
        await bus.ack(first, "Agent-1")
    done = await bus.ack(first, "Agent-2", "  shipped  ")
    assert done.acknowledged_now
    assert (done.message.reading, done.message.ack_note) == ("acked", "shipped")
    assert done.message.read_at is not None  # acking opens it
    again = await bus.ack(first, "Agent-2", "other note")
    assert not again.acknowledged_now
    assert again.message.ack_note == "shipped"
    with pytest.raises(errors.UsageError, match="at most 1,000 characters"):
        await bus.ack(first, "Agent-2", "x" * 1001)


async def test_an_ack_deadline_comes_from_the_database_clock(bus: Bus, monkeypatch) -> None:
    first = await bus.send("Agent-1", "Agent-2", "answer within an hour", ack_within=3600)
    message = await bus.get(first)
    assert message.ack_required
    due = (message.ack_due_at - message.sent_at).total_seconds()
    assert 3599 <= due <= 3601
    # a host clock two hours fast makes nothing overdue: the database judges
    later = timefmt.utcnow() + timedelta(hours=2)
    monkeypatch.setattr(timefmt, "utcnow", lambda: later)
    assert await bus.overdue() == []
    assert await bus.overdue_alerts() == []


async def test_an_overdue_ack_is_listed_and_alerted_once_and_never_after_the_ack(bus: Bus) -> None:
    late = await bus.send("Agent-1", "Agent-2", "late", ack_within=60)
    acked = await bus.send("Agent-1", "Agent-3", "acked in time", ack_within=60)
    await bus.send("Agent-1", "Agent-3", "no ack needed")
    await bus.ack(acked, "Agent-3")
    await bus.db.connector.execute(
        "UPDATE agent_messages SET ack_due_at = :past WHERE ack_required = TRUE",
        {"past": "2020-01-01T00:00:00.000Z"},
    )
    assert [m.message_id for m in await bus.overdue()] == [late]
    assert [m.message_id for m in await bus.overdue("Agent-3")] == []
    assert [m.message_id for m in await bus.overdue_alerts()] == [late]
    assert await bus.overdue_alerts() == []  # once
    assert (await bus.get(late)).overdue_alerted_at is not None
    await bus.ack(late, "Agent-2")
    assert await bus.overdue() == []
