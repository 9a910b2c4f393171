"""The PostgreSQL queues a user would pick instead: procrastinate 3.x and pgqueuer 1.x.

Each enqueues and processes `count` no-op jobs of 200 B, end to end, in one
process (the worker as a task beside the producers, as swarmbus's in-process
dispatcher), on a scratch database of its own. Two shapes: one sequential
sender (one job per call, the next after the last returned) and many
concurrent senders. Two settings each:

- defaults: one job per enqueue call, the worker as documented out of the box
  (procrastinate: concurrency 1; pgqueuer: batch_size 10).
- fastest documented: procrastinate with worker concurrency 16 and, for many
  senders, `batch_defer_async` of 1,000 jobs per call; pgqueuer with
  batch_size 100 and, for many senders, `enqueue` of 1,000 jobs per call.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import server_cpu
from common import drop_postgres, temp_postgres

PAYLOAD = "x" * 200
CHUNK = 1_000  # jobs per batched enqueue call
SENDERS = 64  # concurrent senders in the "many" shape


async def _produce(count: int, shape: str, one: Callable[[], Awaitable[object]],
                   many: Callable[[int], Awaitable[object]] | None) -> None:  # fmt: skip
    if shape == "one":
        for _ in range(count):
            await one()
    elif many is not None:
        for first in range(0, count, CHUNK):
            await many(min(CHUNK, count - first))
    else:

        async def sender(share: int) -> None:
            for _ in range(share):
                await one()

        shares = [count // SENDERS + (n < count % SENDERS) for n in range(SENDERS)]
        await asyncio.gather(*(sender(share) for share in shares))


async def _wait_for(done: list[int], count: int) -> None:
    while len(done) < count:
        await asyncio.sleep(0.002)


async def procrastinate_run(url: str, count: int, shape: str, fastest: bool) -> float:
    import procrastinate

    app = procrastinate.App(connector=procrastinate.PsycopgConnector(conninfo=url))
    done: list[int] = []

    @app.task(name="noop")
    async def noop(body: str) -> None:
        done.append(1)

    async with app.open_async():
        await app.schema_manager.apply_schema_async()
        options = {"concurrency": 16} if fastest else {}
        start = server_cpu.begin()
        worker = asyncio.create_task(app.run_worker_async(**options))
        many = None
        if fastest and shape == "many":

            async def many(n: int) -> None:
                await noop.batch_defer_async(*({"body": PAYLOAD} for _ in range(n)))

        await _produce(count, shape, lambda: noop.defer_async(body=PAYLOAD), many)
        await _wait_for(done, count)
        elapsed = server_cpu.end(start)
        worker.cancel()
        await asyncio.gather(worker, return_exceptions=True)
    return count / elapsed


async def pgqueuer_run(url: str, count: int, shape: str, fastest: bool) -> float:
    import asyncpg
    from pgqueuer import PgQueuer, Queries
    from pgqueuer.db import AsyncpgDriver

    worker_conn, send_conn = await asyncpg.connect(url), await asyncpg.connect(url)
    queries = Queries(AsyncpgDriver(send_conn))
    await queries.install()
    pgq = PgQueuer(AsyncpgDriver(worker_conn))
    done: list[int] = []

    @pgq.entrypoint("noop")
    async def noop(job: object) -> None:
        done.append(1)

    lock = asyncio.Lock()  # one asyncpg connection runs one query at a time

    async def one() -> None:
        async with lock:
            await queries.enqueue("noop", PAYLOAD.encode())

    async def many(n: int) -> None:
        await queries.enqueue(["noop"] * n, [PAYLOAD.encode()] * n, [0] * n)

    start = server_cpu.begin()
    worker = asyncio.create_task(pgq.run(batch_size=100 if fastest else 10))
    await _produce(count, shape, one, many if fastest and shape == "many" else None)
    await _wait_for(done, count)
    elapsed = server_cpu.end(start)
    pgq.shutdown.set()
    await asyncio.gather(worker, return_exceptions=True)
    await send_conn.close()
    return count / elapsed


PEERS = {"procrastinate": procrastinate_run, "pgqueuer": pgqueuer_run}


def measure(peer: str, count: int, shape: str, fastest: bool) -> float:
    """Jobs/s end to end for one peer, shape and setting, on a scratch database."""
    url = temp_postgres()
    try:
        return asyncio.run(PEERS[peer](url, count, shape, fastest))
    finally:
        drop_postgres(url)
