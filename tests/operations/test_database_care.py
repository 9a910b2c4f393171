"""`swarmbus db check|vacuum|analyze|reindex|prune`, and retries while another process writes."""

from __future__ import annotations

import json
import sqlite3
import subprocess
from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta

import anyio
import pytest

from swarmbus.agents.config import Swarm
from swarmbus.bus.api import Bus
from swarmbus.model import timefmt
from swarmbus.model.checks import IntegrationTest
from swarmbus.model.commands import DiscordCommand
from swarmbus.storage import maintenance, retention, sqlite
from swarmbus.storage.database import open_database
from tests.operations.conftest import acli, acli_json, corrupt_index_page, execute, rows
from tests.processes import swarmbus

OLD = "2020-01-01T00:00:00.000Z"


@pytest.fixture
def swarm(make_swarm: Callable[..., Swarm]) -> Swarm:
    return make_swarm(["Agent-1", "Agent-2"], transport="inbox")


async def send(swarm: Swarm, count: int) -> list[str]:
    async with await Bus.open(swarm) as bus:
        return [
            await bus.send("tester", "Agent-1", f"message {n} " + "x" * 500) for n in range(count)
        ]


async def test_check_scores_a_sound_database(swarm: Swarm) -> None:
    await send(swarm, 3)
    report = await acli_json(swarm, "db", "check")
    assert report["integrity"] == []
    assert report["foreign_keys"] == []
    assert report["journal_mode"] == "wal"
    assert report["health_score"] == 95.0  # never analyzed
    assert [r["reason"] for r in report["reasons"]] == ["no planner statistics; run 'db analyze'"]
    await acli_json(swarm, "db", "analyze")
    again = await acli_json(swarm, "db", "check")
    assert (again["health_score"], again["reasons"], again["analyzed"]) == (100.0, [], True)
    table = await acli(swarm, "db", "check")
    assert "health score   100 / 100" in table.stdout


async def test_check_finds_a_corrupted_page_and_orphans(swarm: Swarm) -> None:
    await send(swarm, 40)
    corrupt_index_page(swarm.database)
    execute(
        swarm.database,
        "INSERT INTO agent_messages (message_id, from_agent, to_agent, priority, content) "
        "VALUES ('01M8ZZZZZZZZZZZZZZZZZZZZZZ', 'x', 'Ghost', 'normal', 'hi')",
        "DROP INDEX idx_message_broadcast",
    )
    result = await acli(swarm, "db", "check", "--json")
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    points = {r["reason"].split(":")[0]: r["points"] for r in report["reasons"]}
    assert points["integrity_check found damage"] == -50
    assert points["1 rows point nowhere"] == -20
    assert points["missing CHECK constraints or indexes"] == -5
    assert report["health_score"] == 20.0  # 100 - 50 - 20 - 5 - 5 (never analyzed)
    assert report["missing_indexes"] == ["idx_message_broadcast"]


def test_the_health_formula() -> None:
    sound = maintenance.HealthFacts([], [], 1, 1, [], [], "wal", 1000, 0, 4096, True, 0)
    assert maintenance.score(sound).score == 100.0
    worst = replace(
        sound,
        integrity=["x"],
        foreign_keys=["y"],
        schema_version=0,
        missing_checks=["a.b"] * 3,
        missing_indexes=["i"] * 3,
        journal_mode="delete",
        freelist_count=900,
        analyzed=False,
        wal_bytes=100 * 1024 * 1024,
    )
    assert [p for p, _ in maintenance.deductions(worst)] == [50, 20, 10, 20, 10, 10, 5, 5]
    assert maintenance.score(worst).score == 0.0
    a_few_free = replace(sound, freelist_count=150)  # 15 % free: 10 x 0.15 / 0.5
    assert maintenance.score(a_few_free).score == 97.0
    assert maintenance.score(replace(sound, freelist_count=50)).score == 100.0


async def test_vacuum_analyze_reindex_report_size_and_time(swarm: Swarm) -> None:
    await send(swarm, 200)
    execute(swarm.database, "DELETE FROM agent_messages")
    vacuum = await acli_json(swarm, "db", "vacuum")
    assert vacuum["operation"] == "vacuum"
    assert vacuum["size_after"] < vacuum["size_before"]
    assert vacuum["seconds"] >= 0
    for operation in ("analyze", "reindex"):
        result = await acli_json(swarm, "db", operation)
        assert result["size_before"] > 0
        assert result["size_after"] > 0
    line = await acli(swarm, "db", "reindex")
    assert line.stdout.startswith("reindex: ")
    assert " bytes (" in line.stdout


async def test_vacuum_copies_the_database_through_a_file_not_memory(
    swarm: Swarm, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Connections keep temporary files in memory (batched writes journal there), but
    VACUUM copies the whole database into a temporary one: 200 MB of RAM for a 200 MB
    file had it stayed in memory."""
    await send(swarm, 50)
    async with await open_database(swarm.database) as db:
        assert await sqlite.pragma(db.connector, "temp_store") == 2  # memory
        during: list[int] = []
        execute_query = db.connector.execute

        async def noting(query: str, params: object = None) -> int:
            if query.strip().upper().startswith("VACUUM"):
                during.append(await sqlite.pragma(db.connector, "temp_store"))
            return await execute_query(query, params)

        monkeypatch.setattr(db.connector, "execute", noting)
        await maintenance.maintain(db, "vacuum")
        assert during == [1]  # a file
        assert await sqlite.pragma(db.connector, "temp_store") == 2


async def history(swarm: Swarm) -> dict[str, str]:
    """One message in each delivery status, finished long ago where that applies."""
    ids = await send(swarm, 7)
    names = ["delivered", "expired", "fresh", "failed", "pending", "retrying", "claimed"]
    statements = {
        "delivered": f"delivery_status = 'delivered', status = 'delivered', "
        f"processed_at = '{OLD}', read_at = '{OLD}'",
        "expired": f"delivery_status = 'expired', status = 'expired', processed_at = '{OLD}'",
        "fresh": f"delivery_status = 'delivered', status = 'delivered', "
        f"processed_at = '{timefmt.now_text()}'",
        "failed": f"delivery_status = 'failed', status = 'failed', processed_at = '{OLD}'",
        "pending": f"sent_at = '{OLD}'",
        "retrying": f"delivery_status = 'retrying', retry_count = 1, processed_at = '{OLD}'",
        "claimed": "delivery_status = 'claimed', lease_expires_at = '2999-01-01T00:00:00.000Z', "
        f"claim_token = 't', processed_at = '{OLD}'",
    }
    execute(
        swarm.database,
        *(
            f"UPDATE agent_messages SET {statements[name]} WHERE message_id = '{message_id}'"
            for name, message_id in zip(names, ids, strict=True)
        ),
    )
    old, new = timefmt.from_text(OLD), timefmt.utcnow()
    async with await open_database(swarm.database) as db:
        for moment in (old, new):
            await db.commands.record(
                DiscordCommand(
                    agent_id="A", command_type="status_check", command_data={}, executed_at=moment
                )
            )
            test = IntegrationTest(
                test_name="t",
                test_type="database",
                integration_component="c",
                test_agent="a",
                created_at=moment,
            )
            await db.checks.record([test])
    async with await Bus.open(swarm) as bus:  # an old released one, an old expired one, a live one
        project = str(swarm.path.parent)
        grant = await bus.reserve("Agent-1", ["a.py", "b.py", "c.py"], project)
        await bus.release("Agent-1", project, ["a.py"])
    old_finish = "2020-01-01T00:01:00.000Z"
    execute(
        swarm.database,
        f"UPDATE file_reservations SET created_at = '{OLD}', released_at = '{old_finish}' "
        f"WHERE pattern = 'a.py'",
        f"UPDATE file_reservations SET created_at = '{OLD}', expires_at = '{old_finish}' "
        f"WHERE pattern = 'b.py'",
    )
    assert len(grant.granted) == 3
    return dict(zip(names, ids, strict=True))


async def test_prune_keeps_pending_claimed_retrying_and_failed_messages(swarm: Swarm) -> None:
    made = await history(swarm)
    before = rows(swarm.database, "agent_messages", "message_id")
    dry = await acli_json(swarm, "db", "prune", "--older-than", "30d", "--dry-run")
    assert dry["would_delete"] == {
        "messages": 2,
        "discord_commands": 1,
        "integration_tests": 1,
        "file_reservations": 2,
    }
    assert rows(swarm.database, "agent_messages", "message_id") == before
    done = await acli_json(swarm, "db", "prune", "--older-than", "30d")
    assert done["deleted"] == dry["would_delete"]
    left = {row[0] for row in rows(swarm.database, "agent_messages")}
    kept = {made[n] for n in ("fresh", "failed", "pending", "retrying", "claimed")}
    assert left == kept
    assert len(rows(swarm.database, "discord_commands")) == 1
    assert len(rows(swarm.database, "integration_tests")) == 1
    assert [r[3] for r in rows(swarm.database, "file_reservations", "pattern")] == ["c.py"]
    again = await acli(swarm, "db", "prune", "--older-than", "30d")
    assert again.stdout.startswith("deleted 0 messages, 0 discord_commands, 0 integration_tests")


async def test_prune_deletes_in_batches(swarm: Swarm) -> None:
    ids = await send(swarm, 5)
    execute(
        swarm.database,
        f"UPDATE agent_messages SET delivery_status = 'delivered', status = 'delivered', "
        f"processed_at = '{OLD}', read_at = '{OLD}'",
    )
    async with await open_database(swarm.database) as db:
        result = await retention.prune(db, timefmt.utcnow() - timedelta(days=1), batch=2)
    assert result.rows["messages"] == len(ids)
    assert (
        result.batches == 3 + 1 + 1 + 1
    )  # 2 + 2 + 1 messages, then one empty batch per other table
    assert rows(swarm.database, "agent_messages") == []


def lock_holder(swarm: Swarm) -> sqlite3.Connection:
    holder = sqlite3.connect(swarm.database, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # the write lock, as a long writer would hold it
    return holder


def vacuum_process(swarm: Swarm) -> subprocess.Popen[str]:
    return swarmbus("--config", str(swarm.path), "db", "vacuum")


async def test_a_lock_is_retried_with_backoff_and_reported(
    make_swarm: Callable[..., Swarm],
) -> None:
    swarm = make_swarm(["Agent-1"], transport="inbox", extra="[database]\nbusy_timeout_ms = 1000\n")
    await send(swarm, 1)
    holder = lock_holder(swarm)
    process = vacuum_process(swarm)
    assert process.stderr is not None
    warning = await anyio.to_thread.run_sync(process.stderr.readline)  # the first retry
    holder.execute("ROLLBACK")  # the lock goes away: a later try succeeds
    holder.close()
    out, err = await anyio.to_thread.run_sync(process.communicate)
    assert "database busy, retrying (3 left)" in warning
    assert process.returncode == 0, err
    assert out.startswith("vacuum: ")
    assert "Traceback" not in warning + err


async def test_a_lock_that_stays_is_one_line_never_a_traceback(
    make_swarm: Callable[..., Swarm],
) -> None:
    swarm = make_swarm(["Agent-1"], transport="inbox", extra="[database]\nbusy_timeout_ms = 100\n")
    await send(swarm, 1)
    holder = lock_holder(swarm)
    try:
        out, err = await anyio.to_thread.run_sync(vacuum_process(swarm).communicate)
    finally:
        holder.close()
    lines = err.strip().splitlines()
    assert [line for line in lines if "retrying" in line][-1].endswith("retrying (1 left)")
    assert lines[-1].startswith("error: database ")
    assert "stayed locked by another process" in lines[-1]
    assert "Traceback" not in err
    assert out == ""
