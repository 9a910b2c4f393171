"""What survives a kill -9, and what many processes do to one database."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
from collections import Counter
from collections.abc import Callable

import anyio
import pytest

from swarmbus.agents.config import Swarm
from swarmbus.model import render
from swarmbus.storage.database import open_database
from tests.conftest import BACKENDS
from tests.processes import dispatcher, worker

pytestmark = pytest.mark.parametrize("backend", BACKENDS, indirect=True)


def acked_ids(process: subprocess.Popen[str], timeout: float = 120) -> list[str]:
    out, err = process.communicate(timeout=timeout)
    assert process.returncode == 0, err
    result = json.loads(out.strip().splitlines()[-1])
    assert result["failures"] == []
    return result["acked"]


def inbox_ids(swarm: Swarm) -> Counter[str]:
    """How many files each message id has across every inbox."""
    seen: Counter[str] = Counter()
    for agent in swarm.agents.values():
        for path in swarm.inbox_dir(agent).glob("*.md"):
            header, _ = render.parse_inbox_document(path.read_text(encoding="utf-8"))
            seen[str(header["id"])] += 1
    return seen


async def delivered_status(swarm: Swarm) -> dict[str, int]:
    async with await open_database(swarm.database) as db:
        counts = await db.messages.counts()
    totals: Counter[str] = Counter()
    for (_agent, status), n in counts.by_status.items():
        totals[status] += n
    return dict(totals)


async def stop_once_delivered(
    swarm: Swarm, running: subprocess.Popen[str], count: int, within: float
) -> str:
    """Wait up to `within` seconds until `count` messages are delivered, then stop the
    dispatcher `running` with SIGTERM; it must exit cleanly. Its stderr."""
    with anyio.fail_after(within):
        while (await delivered_status(swarm)).get("delivered", 0) < count:
            await anyio.sleep(0.1)
    running.send_signal(signal.SIGTERM)
    _, err = running.communicate(timeout=30)
    assert running.returncode == 0, err
    return err


async def test_an_acknowledged_message_survives_kill_9(make_swarm: Callable[..., Swarm]) -> None:
    swarm = make_swarm(["Agent-1"], transport="inbox")
    victim = worker("send-and-hang", str(swarm.path), "Agent-1")
    assert victim.stdout is not None
    message_id = victim.stdout.readline().strip()
    victim.kill()  # SIGKILL the moment send() returned
    victim.communicate()
    async with await open_database(swarm.database) as db:
        message = await db.messages.get(message_id)
    assert message is not None
    assert message.content == "acknowledged, then killed"


async def test_kill_9_the_dispatcher_while_1000_messages_flow(
    make_swarm: Callable[..., Swarm],
) -> None:
    swarm = make_swarm(
        [f"Agent-{n}" for n in range(1, 5)], transport="inbox", bus={"lease_seconds": 1.0}
    )
    producer = worker("produce", str(swarm.path), "1000", "producer", "4", "0.008")
    kills = 0
    rng = random.Random(7)
    while producer.poll() is None or kills < 4:
        running = dispatcher(swarm)
        await anyio.sleep(rng.uniform(0.3, 0.8))
        running.kill()  # SIGKILL: no cleanup, leases left behind
        running.communicate()
        kills += 1
        if kills > 30:
            break
    acked = acked_ids(producer)
    final = dispatcher(swarm, "--once")  # reclaims the dead dispatchers' leases
    _, err = final.communicate(timeout=120)
    assert final.returncode == 0, err
    files = inbox_ids(swarm)
    assert len(acked) == 1000
    assert set(acked) <= set(files), f"lost: {sorted(set(acked) - set(files))[:5]}"
    duplicates = sum(n - 1 for n in files.values())
    assert duplicates <= kills
    assert await delivered_status(swarm) == {"delivered": 1000}


async def test_eight_producers_and_a_dispatcher_share_one_database(
    make_swarm: Callable[..., Swarm],
) -> None:
    swarm = make_swarm([f"Agent-{n}" for n in range(1, 5)], transport="inbox")
    running = dispatcher(swarm)
    producers = [worker("produce", str(swarm.path), "150", f"p{n}", "2") for n in range(8)]
    acked = [message_id for p in producers for message_id in acked_ids(p)]
    assert len(set(acked)) == 8 * 150
    err = await stop_once_delivered(swarm, running, len(acked), within=120)
    assert "database is locked" not in err
    files = inbox_ids(swarm)
    assert set(files) == set(acked)
    assert set(files.values()) == {1}  # every message delivered exactly once


async def test_sigterm_finishes_or_hands_back_in_flight_messages(
    make_swarm: Callable[..., Swarm],
) -> None:
    swarm = make_swarm([f"Agent-{n}" for n in range(1, 9)], transport="inbox")
    acked_ids(worker("produce", str(swarm.path), "2000", "p", "8"))
    running = dispatcher(swarm)
    with anyio.fail_after(60):  # wait until delivery is under way
        while (await delivered_status(swarm)).get("delivered", 0) == 0:
            await anyio.sleep(0.02)
    os.kill(running.pid, signal.SIGTERM)
    out, err = running.communicate(timeout=30)
    assert running.returncode == 0, err
    assert "delivered" in out
    status = await delivered_status(swarm)
    assert "claimed" not in status  # nothing left under a lease
    assert status.get("delivered", 0) + status.get("pending", 0) == 2000
    assert sum(inbox_ids(swarm).values()) == status.get("delivered", 0)


DOOMED, SURVIVOR = "messaging@doomed", "messaging@survivor"
RUNNING = (
    "SELECT system_id FROM core_systems_status "
    "WHERE system_name = 'messaging' AND system_status = 'active'"
)
DELIVERED_BY = "SELECT claimed_by FROM agent_messages WHERE delivery_status = 'delivered'"
TAKEN_OVER = f"SELECT to_agent FROM agent_messages WHERE claimed_by = '{SURVIVOR}'"


async def test_kill_9_one_of_two_dispatchers_and_the_other_takes_its_agents(
    make_swarm: Callable[..., Swarm],
) -> None:
    """Two dispatchers split the agents (bus/sharing.py); one is killed while messages
    flow, once it has delivered some. The other takes its agents (its process is gone),
    the messages it held once their leases ran out, and what is sent after: every
    acknowledged message lands, at most one twice."""
    swarm = make_swarm(
        [f"Agent-{n}" for n in range(1, 5)], transport="inbox", bus={"lease_seconds": 1.0}
    )
    doomed = dispatcher(swarm, "--name", DOOMED)
    survivor = dispatcher(swarm, "--name", SURVIVOR)
    with anyio.fail_after(30):  # both beat, then each reads the other's row (every second)
        while len(await _column(swarm, RUNNING)) < 2:
            await anyio.sleep(0.1)
    await anyio.sleep(1.5)
    before = worker("produce", str(swarm.path), "400", "before", "4", "0.008")
    with anyio.fail_after(30):
        while DOOMED not in await _column(swarm, DELIVERED_BY):
            await anyio.sleep(0.02)
    doomed.kill()  # SIGKILL: its heartbeat row still looks fresh, its leases held
    doomed.communicate()
    acked = acked_ids(before)
    acked += acked_ids(worker("produce", str(swarm.path), "400", "after", "4", "0.004"))
    await stop_once_delivered(swarm, survivor, len(acked), within=60)
    files = inbox_ids(swarm)
    assert len(acked) == 800
    assert set(acked) <= set(files), f"lost: {sorted(set(acked) - set(files))[:5]}"
    assert sum(n - 1 for n in files.values()) <= 1
    assert await delivered_status(swarm) == {"delivered": 800}
    assert await _column(swarm, TAKEN_OVER) == set(swarm.agents)  # the doomed one's too


async def _column(swarm: Swarm, query: str) -> set[str]:
    """The values of `query`'s one column."""
    async with await open_database(swarm.database) as db:
        rows = await db.connector.fetch_all(query)
    return {next(iter(row.values())) for row in rows}
