from __future__ import annotations

import anyio
import anyio.lowlevel
import pytest

from swarmbus import errors
from swarmbus.bus.batching import GroupCommit


async def test_concurrent_submits_share_flushes() -> None:
    batches: list[list[int]] = []

    async def flush(items: list[int]) -> list[int]:
        batches.append(items)
        await anyio.sleep(0.01)
        return [item * 10 for item in items]

    commit: GroupCommit[int, int] = GroupCommit(flush)
    results: dict[int, int] = {}

    async def one(n: int) -> None:
        results[n] = await commit.submit(n)

    async with anyio.create_task_group() as tg:
        for n in range(100):
            tg.start_soon(one, n)
    assert results == {n: n * 10 for n in range(100)}
    assert sum(len(b) for b in batches) == 100
    assert len(batches) < 10  # one leader flush, then everything that queued meanwhile


async def test_a_bad_item_fails_alone() -> None:
    async def flush(items: list[int]) -> list[int]:
        if 13 in items:
            raise errors.ConstraintViolation("13 is unlucky")
        await anyio.lowlevel.checkpoint()
        return items

    commit: GroupCommit[int, int] = GroupCommit(flush)
    outcomes: dict[int, object] = {}

    async def one(n: int) -> None:
        try:
            outcomes[n] = await commit.submit(n)
        except errors.ConstraintViolation as exc:
            outcomes[n] = exc

    async with anyio.create_task_group() as tg:
        for n in range(20):
            tg.start_soon(one, n)
    assert isinstance(outcomes.pop(13), errors.ConstraintViolation)
    assert outcomes == {n: n for n in range(20) if n != 13}


async def test_other_errors_reach_every_caller_of_the_batch() -> None:
    async def flush(items: list[int]) -> list[int]:
        raise errors.StorageError("disk on fire")

    commit: GroupCommit[int, int] = GroupCommit(flush)
    with pytest.raises(errors.StorageError, match="disk on fire"):
        await commit.submit(1)


async def test_a_cancelled_waiter_does_not_strand_the_others() -> None:
    gate = anyio.Event()

    async def flush(items: list[int]) -> list[int]:
        await gate.wait()
        return items

    commit: GroupCommit[int, int] = GroupCommit(flush)
    got: list[int] = []
    scopes: list[anyio.CancelScope] = []

    async def one(n: int) -> None:
        got.append(await commit.submit(n))

    async def cancellable(n: int) -> None:
        with anyio.CancelScope() as scope:
            scopes.append(scope)
            got.append(await commit.submit(n))

    with anyio.fail_after(5):
        async with anyio.create_task_group() as tg:
            tg.start_soon(one, 1)  # the leader, blocked in flush
            await anyio.sleep(0.01)
            tg.start_soon(cancellable, 99)  # queued behind the leader
            await anyio.sleep(0.01)
            tg.start_soon(one, 2)
            tg.start_soon(one, 3)
            await anyio.sleep(0.01)
            scopes[0].cancel()
            await anyio.sleep(0.01)
            gate.set()
    assert sorted(got) == [1, 2, 3]
