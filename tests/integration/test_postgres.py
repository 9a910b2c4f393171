"""What only a shared PostgreSQL server brings: several dispatchers, dropped connections."""

from __future__ import annotations

import signal
import subprocess
import sys
from collections import Counter
from collections.abc import Callable

import anyio
import pytest

from swarmbus.agents.config import Swarm
from swarmbus.model import render
from swarmbus.storage.database import open_database
from swarmbus.storage.postgres import application_name
from tests import postgres
from tests.integration.test_crashes import acked_ids, delivered_status
from tests.processes import REPO, dispatcher, worker

pytestmark = pytest.mark.parametrize("backend", ["postgres"], indirect=True)


def stop(process: subprocess.Popen[str]) -> str:
    process.send_signal(signal.SIGTERM)
    _, err = process.communicate(timeout=60)
    assert process.returncode == 0, err
    return err


def deliveries(swarm: Swarm) -> dict[str, list[str]]:
    """Per agent, the message ids of its inbox files in delivery order."""
    found = {}
    for agent in swarm.agents.values():
        files = sorted(swarm.inbox_dir(agent).glob("*.md"))  # named by delivery time
        found[agent.name] = [
            str(render.parse_inbox_document(path.read_text())[0]["id"]) for path in files
        ]
    return found


async def wait_delivered(swarm: Swarm, count: int) -> None:
    with anyio.fail_after(120):
        while (await delivered_status(swarm)).get("delivered", 0) < count:
            await anyio.sleep(0.1)


async def test_two_dispatchers_share_one_queue(make_swarm: Callable[..., Swarm]) -> None:
    swarm = make_swarm([f"Agent-{n}" for n in range(1, 5)], transport="inbox")
    first, second = dispatcher(swarm, "--name", "d1"), dispatcher(swarm, "--name", "d2")
    acked = acked_ids(worker("produce", str(swarm.path), "600", "producer", "4", "0.004"))
    await wait_delivered(swarm, len(acked))
    stop(first), stop(second)
    seen = deliveries(swarm)
    ids = [message_id for per_agent in seen.values() for message_id in per_agent]
    assert Counter(ids) == Counter(acked)  # each message delivered once, none lost
    for agent, order in seen.items():
        assert order == sorted(order), f"{agent} received out of send order"
    async with await open_database(swarm.database) as db:
        shares = {
            s.system_id: s.performance_metrics["delivered"]
            for s in await db.systems.list()
            if s.system_name == "messaging"
        }
    assert set(shares) == {"d1", "d2"}
    assert sum(shares.values()) == 600
    assert min(shares.values()) > 0  # both really took part


async def test_a_dispatcher_survives_its_connections_being_killed(
    make_swarm: Callable[..., Swarm],
) -> None:
    swarm = make_swarm(
        [f"Agent-{n}" for n in range(1, 4)], transport="inbox", bus={"lease_seconds": 1.0}
    )
    running = dispatcher(swarm, "--name", "survivor")
    producer = worker("produce", str(swarm.path), "300", "producer", "2", "0.01")
    for _ in range(100):  # a loaded machine may take seconds to start it
        if await anyio.to_thread.run_sync(backends_of, running.pid, "pid"):
            break
        await anyio.sleep(0.2)
    killed = 0
    for _ in range(3):
        killed += await anyio.to_thread.run_sync(
            backends_of, running.pid, "pg_terminate_backend(pid)"
        )
        await anyio.sleep(0.5)
    acked = acked_ids(producer)
    await wait_delivered(swarm, len(acked))
    assert running.poll() is None, "the dispatcher died with its connections"
    err = stop(running)
    assert killed > 0
    assert "lost the connection" in err or "connection" in err.lower()
    assert set(acked) <= {i for ids in deliveries(swarm).values() for i in ids}


def backends_of(pid: int, select: str) -> int:
    """SELECT `select` over the connections of process `pid` (`pid`: count them;
    `pg_terminate_backend(pid)`: kill them); return how many there were."""
    import asyncio

    import asyncpg

    async def run() -> int:
        conn = await asyncpg.connect(postgres.ADMIN_URL)
        try:
            rows = await conn.fetch(
                f"SELECT {select} FROM pg_stat_activity WHERE application_name = $1",
                application_name(pid),
            )
            return len(rows)
        finally:
            await conn.close()

    return asyncio.run(run())


async def test_everyday_commands_work_on_postgres(make_swarm: Callable[..., Swarm]) -> None:
    import json

    from typer.testing import CliRunner

    from swarmbus.cli import app

    swarm = make_swarm(["Agent-1", "Agent-2"], transport="inbox")
    runner = CliRunner()

    def swarmbus(*args: str) -> tuple[int, str, str]:
        result = runner.invoke(app, ["--config", str(swarm.path), *args])
        return result.exit_code, result.stdout, result.stderr

    async def run(*args: str) -> tuple[int, str, str]:
        return await anyio.to_thread.run_sync(lambda: swarmbus(*args))

    assert (await run("send", "Agent-2", "hello"))[0] == 0
    once = await anyio.run_process(  # the dispatcher takes signals: its own process
        [sys.executable, "-m", "swarmbus", "--config", str(swarm.path), "run", "--once"],
        cwd=REPO,
    )
    assert once.returncode == 0
    code, out, _ = await run("status", "--json")
    assert code == 0
    assert json.loads(out)["totals"]["delivered"] == 1
    for command in (
        ["db", "check"],
        ["db", "analyze"],
        ["db", "prune", "--older-than", "1d"],
        ["doctor"],
        ["audit", str(REPO / "config")],
        ["agents", "list"],
    ):
        code, out, err = await run(*command)
        assert code == 0, (command, out, err)
    code, _, err = await run("db", "backup", str(swarm.path.parent / "copy.db"))
    assert code == 2
    assert "use pg_dump/pg_restore there, or 'swarmbus db copy'" in err
