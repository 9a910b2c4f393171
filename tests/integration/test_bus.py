"""The Bus API against a real SQLite file: validation, idempotency, broadcast, requeue."""

from __future__ import annotations

import anyio
import pytest

from swarmbus import errors
from swarmbus.bus.api import Bus
from swarmbus.model import ids
from swarmbus.storage.database import describe
from tests.conftest import BACKENDS

pytestmark = pytest.mark.parametrize("backend", BACKENDS, indirect=True)


async def test_send_stores_one_committed_row(bus: Bus) -> None:
    message_id = await bus.send("Agent-1", "Agent-2", "hello", priority="high", tags=["x", "y"])
    assert ids.is_valid(message_id)
    message = await bus.get(message_id)
    assert (message.from_agent, message.to_agent, message.content) == (
        "Agent-1",
        "Agent-2",
        "hello",
    )
    assert message.priority == "high"
    assert message.tags == ["x", "y"]
    assert message.delivery_status == "pending"
    assert message.delivery_method == "memory"
    assert message.max_retries == 3
    # a second connection (another process would use one) sees it: it is committed
    from swarmbus.storage.database import open_database

    async with await open_database(bus.db.location) as other:
        assert (await other.messages.get(message_id)) is not None


async def test_ids_follow_send_order(bus: Bus) -> None:
    sent = [await bus.send("p", "Agent-1", f"m{n}") for n in range(20)]
    assert sent == sorted(sent)


async def test_concurrent_sends_share_transactions_and_keep_every_message(bus: Bus) -> None:
    sent: list[str] = []

    async def one(n: int) -> None:
        sent.append(await bus.send("p", "Agent-1", f"m{n}"))

    async with anyio.create_task_group() as tg:
        for n in range(300):
            tg.start_soon(one, n)
    assert len(set(sent)) == 300
    assert (await describe(bus.db)).row_counts["agent_messages"] == 300


async def test_idempotency_key_returns_the_first_id(bus: Bus) -> None:
    first = await bus.send("Agent-1", "Agent-2", "deploy", idempotency_key="deploy-42")
    again = await bus.send("Agent-1", "Agent-2", "deploy", idempotency_key="deploy-42")
    other_sender = await bus.send("Agent-3", "Agent-2", "deploy", idempotency_key="deploy-42")
    assert again == first
    assert other_sender != first
    assert (await bus.get(first)).content == "deploy"
    assert (await describe(bus.db)).row_counts["agent_messages"] == 2


@pytest.mark.parametrize(("to", "body"), [("Agent-2", "deploy (retry)"), ("Agent-3", "deploy")])
async def test_a_key_reused_for_another_request_is_a_conflict(bus: Bus, to: str, body: str) -> None:
    first = await bus.send("Agent-1", "Agent-2", "deploy", idempotency_key="deploy-42")
    with pytest.raises(
        errors.IdempotencyConflict, match=f"key 'deploy-42' was already used by message {first} "
    ):
        await bus.send("Agent-1", to, body, idempotency_key="deploy-42")
    assert (await describe(bus.db)).row_counts["agent_messages"] == 1


async def test_a_conflict_fails_alone_in_a_shared_transaction(bus: Bus) -> None:
    await bus.send("Agent-1", "Agent-2", "first", idempotency_key="k")
    sent: list[str] = []
    refused: list[Exception] = []

    async def one(n: int) -> None:
        try:
            sent.append(await bus.send("Agent-1", "Agent-2", f"#{n}", idempotency_key=f"k{n}"))
        except errors.IdempotencyConflict as exc:
            refused.append(exc)

    async def conflicting() -> None:
        with pytest.raises(errors.IdempotencyConflict):
            await bus.send("Agent-1", "Agent-2", "second", idempotency_key="k")

    async with anyio.create_task_group() as tg:
        for n in range(10):
            tg.start_soon(one, n)
        tg.start_soon(conflicting)
    assert (len(sent), refused) == (10, [])
    assert (await describe(bus.db)).row_counts["agent_messages"] == 11


async def test_idempotency_holds_within_one_batch(bus: Bus) -> None:
    got: list[str] = []

    async def one() -> None:
        got.append(await bus.send("Agent-1", "Agent-2", "once", idempotency_key="k"))

    async with anyio.create_task_group() as tg:
        for _ in range(20):
            tg.start_soon(one)
    assert len(set(got)) == 1
    assert (await describe(bus.db)).row_counts["agent_messages"] == 1


async def test_broadcast_writes_one_row_per_recipient(bus: Bus) -> None:
    result = await bus.broadcast("Agent-1", "all hands")
    assert set(result.message_ids) == {"Agent-2", "Agent-3"}
    rows = await bus.db.messages.list(broadcast_id=result.broadcast_id)
    assert {m.to_agent for m in rows} == {"Agent-2", "Agent-3"}
    assert {m.broadcast_id for m in rows} == {result.broadcast_id}
    again = await bus.broadcast("Agent-1", "all hands", idempotency_key="standup")
    repeat = await bus.broadcast("Agent-1", "all hands", idempotency_key="standup")
    assert repeat.message_ids == again.message_ids
    assert repeat.broadcast_id == again.broadcast_id
    assert not repeat.created
    before = (await describe(bus.db)).row_counts["agent_messages"]
    with pytest.raises(errors.IdempotencyConflict, match="'standup/Agent-2'"):
        await bus.broadcast("Agent-1", "other news", idempotency_key="standup")
    with pytest.raises(errors.IdempotencyConflict):  # a new recipient does not slip through
        await bus.broadcast(
            "Agent-1", "other news", recipients=["Agent-3", "Agent-1"], idempotency_key="standup"
        )
    assert (await describe(bus.db)).row_counts["agent_messages"] == before


async def test_broadcast_with_an_unknown_recipient_stores_nothing(bus: Bus) -> None:
    with pytest.raises(errors.UnknownAgent, match="unknown agent 'Agent-9'"):
        await bus.broadcast("p", "hi", recipients=["Agent-2", "Agent-9"])
    assert (await describe(bus.db)).row_counts["agent_messages"] == 0


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({"to_agent": "Agent-9"}, "unknown agent 'Agent-9'; configured agents: Agent-1, Agent-2"),
        ({"content": ""}, "message is empty"),
        ({"content": " \n\t "}, "message is empty"),
        ({"content": "x" * 70_000}, "message is 70,000 bytes; the limit is 65,536 bytes"),
        ({"content": "nul\x00byte"}, "NUL character"),
        ({"priority": "asap"}, "priority 'asap' is not allowed; use urgent, high, normal or low"),
        ({"tags": ["has space"]}, "tag 'has space' is not allowed"),
        ({"tags": [f"t{n}" for n in range(17)]}, "17 tags are too many"),
        ({"from_agent": "a b"}, "sender 'a b' is not allowed"),
        ({"expires_in": -1}, "expiry -1 is not allowed"),
        ({"idempotency_key": ""}, "idempotency key '' is not allowed"),
    ],
)
async def test_bad_input_is_refused_and_nothing_is_stored(
    bus: Bus, kwargs: dict, expected: str
) -> None:
    fields = {"from_agent": "Agent-1", "to_agent": "Agent-2", "content": "hi", **kwargs}
    with pytest.raises(errors.UsageError) as caught:
        await bus.send(**fields)
    assert expected in str(caught.value)
    assert "\n" not in str(caught.value)
    assert caught.value.exit_code == 2
    assert (await describe(bus.db)).row_counts["agent_messages"] == 0


async def test_unknown_message_ids(bus: Bus) -> None:
    with pytest.raises(errors.UnknownMessage, match="no message has id 'nope'"):
        await bus.get("nope")
    with pytest.raises(errors.UnknownMessage):
        await bus.retry(ids.new_id())


async def test_only_dead_letters_can_be_retried(bus: Bus) -> None:
    message_id = await bus.send("p", "Agent-1", "hi")
    with pytest.raises(errors.UsageError, match="is pending; only failed messages"):
        await bus.retry(message_id)


async def test_ids_are_case_insensitive_on_lookup(bus: Bus) -> None:
    message_id = await bus.send("p", "Agent-1", "hi")
    assert (await bus.get(message_id.lower())).message_id == message_id
