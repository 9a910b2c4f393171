"""`swarmbus db copy`: SQLite -> PostgreSQL -> SQLite gives back every row exactly."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

import anyio.to_thread
import pytest
from typer.testing import CliRunner, Result

from swarmbus.agents.config import Swarm
from swarmbus.bus.api import Bus
from swarmbus.bus.dispatcher import Dispatcher
from swarmbus.bus.transports.memory import MemoryTransport
from swarmbus.cli import app
from swarmbus.model.audits import ComplianceAudit
from swarmbus.model.checks import IntegrationTest
from swarmbus.model.commands import DiscordCommand
from swarmbus.storage import migrations
from swarmbus.storage.copying import TABLES
from swarmbus.storage.database import open_database
from swarmbus.storage.search import SearchRepository

runner = CliRunner()


async def fill(swarm: Swarm) -> None:
    """A database with a bit of everything: every status, JSON, booleans, times."""
    async with await Bus.open(swarm) as bus:
        for n in range(30):
            await bus.send(
                "p",
                f"Agent-{1 + n % 3}",
                f"message {n} ✓\n\tbody",
                tags=["a", "b"],
                priority=("urgent", "normal", "low")[n % 3],
                expires_in=3600,
            )
        await bus.broadcast("Agent-1", "all hands", idempotency_key="standup")
        failing = MemoryTransport(fail=lambda m, _a: "nope" if m.to_agent == "Agent-2" else None)
        await Dispatcher(bus, {"memory": failing}).run(once=True)
        await bus.send("p", "Agent-3", "still pending")
        asked = await bus.send("person", "Agent-1", "ship it", subject="release", ack_within=60)
        await bus.read("Agent-1", "Agent-1")
        await bus.reply(asked, "Agent-1", "shipped")
        await bus.ack(asked, "Agent-1", "done")
        await bus.db.commands.record(
            DiscordCommand(
                agent_id="Agent-1",
                command_type="status_check",
                command_data={"x": [1, 2]},
                execution_status="success",
                response_data={"ok": True},
            )
        )
        await bus.db.audits.record_run(
            [
                ComplianceAudit(
                    component_name="a.py",
                    component_type="file",
                    compliance_score=75.5,
                    auditor_agent="me",
                    refactoring_required=True,
                    violations_details=[{"rule": "x"}],
                    refactoring_plan={"steps": []},
                    integration_impact={},
                    run_id="r1",
                )
            ]
        )
        project = "/srv/repo"
        await bus.reserve("Agent-1", ["src/**"], project, reason="copy me ✓")
        await bus.reserve("Agent-2", ["docs/*.md"], project, exclusive=False, ttl=60)
        [gone] = (await bus.reserve("Agent-3", ["x.py"], project)).granted
        await bus.force_release(gone.reservation_id, "left", by="Agent-1")
        await bus.db.checks.record(
            [
                IntegrationTest(
                    test_name="t",
                    test_type="database",
                    test_status="passed",
                    integration_component="db",
                    test_agent="me",
                    v2_compliance_check=True,
                    test_data={"k": "v"},
                    run_id="r1",
                )
            ]
        )


async def rows(location: str) -> dict[str, list[dict]]:
    async with await open_database(location) as db:
        return {
            table: await db.connector.fetch_all(f"SELECT * FROM {table} ORDER BY {key}")
            for table, key in TABLES.items()
        }


async def invoke(*args: str) -> Result:
    """The CLI runs its own event loop, so it runs on a thread here."""
    return await anyio.to_thread.run_sync(lambda: runner.invoke(app, ["db", "copy", *args]))


async def copy(*args: str) -> dict:
    result = await invoke(*args, "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


@pytest.mark.parametrize("backend", ["postgres"], indirect=True)
async def test_sqlite_to_postgres_and_back_keeps_every_row(
    make_swarm: Callable[..., Swarm], backend: str, tmp_path: Path
) -> None:
    source = make_swarm(database=str(tmp_path / "source.db"))
    await fill(source)
    original = await rows(source.database)
    assert {table: len(r) for table, r in original.items()} == {
        "agent_workspaces": 4,  # the three agents, and `person`, whom a reply went to
        "agent_messages": 36,  # with the reply, and the note telling Agent-3 of the force release
        "discord_commands": 1,
        "core_systems_status": 3,
        "v2_compliance_audit": 1,
        "integration_tests": 1,
        "file_reservations": 3,
    }
    there = await copy(source.database, backend)
    assert there["copied"] == there["source"]
    back = tmp_path / "back.db"
    await copy(backend, str(back))
    assert await rows(str(back)) == original
    async with await open_database(back) as db:  # the copy indexed what it wrote
        assert (await SearchRepository(db.connector).index_size())["documents"] == 36
        assert not await SearchRepository(db.connector).waiting()
    in_postgres = await rows(backend)
    assert in_postgres["agent_messages"][0]["tags"] in ('["a", "b"]', '["a","b"]')
    assert in_postgres["v2_compliance_audit"][0]["refactoring_required"] is True
    assert {r["exclusive"] for r in in_postgres["file_reservations"]} == {True, False}


async def test_a_non_empty_target_needs_append(
    make_swarm: Callable[..., Swarm], tmp_path: Path
) -> None:
    source = make_swarm(database=str(tmp_path / "source.db"))
    await fill(source)
    target = str(tmp_path / "target.db")
    await copy(source.database, target)
    refused = await invoke(source.database, target)
    assert refused.exit_code == 2
    assert "is not empty" in refused.stderr
    assert "pass --append" in refused.stderr
    again = await copy(source.database, target, "--append")
    assert set(again["copied"].values()) == {0}  # every row was there already
    missing = await invoke(str(tmp_path / "nope.db"), target)
    assert missing.exit_code == 2
    assert "does not exist" in missing.stderr


async def test_a_source_without_the_schema_is_refused_and_left_as_it_was(tmp_path: Path) -> None:
    from tests import postgres

    empty = postgres.url_of(f"{postgres.PREFIX}copy_source_{os.getpid()}")
    name = empty.rsplit("/", 1)[1]
    await anyio.to_thread.run_sync(
        postgres.admin, f"DROP DATABASE IF EXISTS {name}", f"CREATE DATABASE {name}"
    )
    try:
        refused = await invoke(empty, str(tmp_path / "target.db"))
        assert refused.exit_code == 2
        assert refused.stderr.startswith(f"error: no swarmbus database at {empty} ")
        async with await open_database(empty, migrate=False) as db:  # no schema made there
            assert await migrations.current_version(db.connector) == 0
    finally:
        await anyio.to_thread.run_sync(postgres.drop, empty)


@pytest.mark.parametrize("backend", ["sqlite", "postgres"], indirect=True)
async def test_a_source_column_this_version_does_not_know_is_refused_before_any_row(
    make_swarm: Callable[..., Swarm], backend: str | None, tmp_path: Path
) -> None:
    source = make_swarm(database=str(tmp_path / "source.db"))
    await fill(source)
    async with await open_database(source.database) as db:
        await db.connector.execute("ALTER TABLE agent_messages ADD COLUMN mood TEXT")
    target = backend or str(tmp_path / "target.db")
    refused = await invoke(source.database, target)
    assert refused.exit_code == 2
    assert refused.stderr.splitlines() == [
        f"error: source {source.database} has a column agent_messages.mood, which this "
        f"swarmbus does not know; nothing was copied (copy with the swarmbus that wrote it, "
        f"or drop the column)"
    ]
    assert not any((await rows(target)).values())  # nothing was written
