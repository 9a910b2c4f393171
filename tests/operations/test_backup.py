"""Backup while a dispatcher delivers, restore checked row by row; bad input changes nothing."""

from __future__ import annotations

import json
import shutil
import signal
import sqlite3
import subprocess
from collections.abc import Callable
from pathlib import Path

import anyio
import pytest

from swarmbus.agents.config import Swarm
from swarmbus.bus.api import Bus
from swarmbus.storage import backup as copier
from swarmbus.storage import migrations
from tests.conftest import CONTRACT_TABLES
from tests.operations.conftest import acli, acli_json, execute, rows
from tests.processes import dispatcher, worker

LATEST = migrations.latest_version("sqlite")


def dump(path: Path | str) -> dict[str, list[tuple[object, ...]]]:
    return {table: rows(path, table) for table in CONTRACT_TABLES}


def listing(folder: Path, pattern: str = "*") -> list[Path]:
    return sorted(folder.rglob(pattern))


def delivered(path: Path | str) -> int:
    return sum(1 for row in rows(path, "agent_messages") if row[8] == "delivered")


@pytest.fixture
def swarm(make_swarm: Callable[..., Swarm]) -> Swarm:
    return make_swarm(
        [f"Agent-{n}" for n in range(1, 5)], transport="inbox", bus={"heartbeat_seconds": 0.5}
    )


async def wait_for(condition: Callable[[], bool], timeout: float = 60) -> None:
    with anyio.fail_after(timeout):
        while not condition():
            await anyio.sleep(0.05)


async def test_backup_under_load_then_restore_row_by_row(
    swarm: Swarm,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    reaper: list[subprocess.Popen[str]],
) -> None:
    monkeypatch.setattr(copier, "STEP_PAGES", 2)  # many steps, with writes landing in between
    async with await Bus.open(swarm):
        pass
    running = dispatcher(swarm)
    producer = worker("produce", str(swarm.path), "1500", "producer", "2", "0.004")
    reaper += [running, producer]
    await wait_for(lambda: delivered(swarm.database) >= 100)
    copy = tmp_path / "backups" / "swarm.db"
    copy.parent.mkdir()
    result = await acli(swarm, "db", "backup", str(copy))
    assert result.exit_code == 0, result.output
    assert f"verified (integrity ok, schema version {LATEST})" in result.stdout
    taken = dump(copy)
    assert taken["core_systems_status"], "the dispatcher's heartbeat is in the copy"
    await wait_for(lambda: delivered(swarm.database) > delivered(copy))  # delivery went on

    refused = await acli(swarm, "db", "restore", str(copy))
    assert refused.exit_code == 1
    assert "refusing to restore: dispatcher messaging@" in refused.stderr
    assert listing(Path(swarm.database).parent, "*.bak") == []

    out, err = await anyio.to_thread.run_sync(producer.communicate)
    assert producer.returncode == 0, err
    assert json.loads(out)["failures"] == []
    running.send_signal(signal.SIGTERM)
    _, err = await anyio.to_thread.run_sync(running.communicate)
    assert running.returncode == 0, err
    replaced = dump(swarm.database)
    assert len(replaced["agent_messages"]) == 1500

    restored = await acli(swarm, "db", "restore", str(copy))
    assert restored.exit_code == 0, restored.output
    assert dump(swarm.database) == taken  # every row of every table, as the copy holds it
    assert dump(f"{swarm.database}.bak") == replaced
    check = await acli_json(swarm, "db", "check")
    assert check["integrity"] == []
    assert check["journal_mode"] == "wal"
    async with await Bus.open(swarm) as bus:  # the restored database is usable at once
        await bus.send("tester", "Agent-1", "after the restore")


async def test_backup_refuses_to_overwrite_without_force(swarm: Swarm, tmp_path: Path) -> None:
    async with await Bus.open(swarm) as bus:
        await bus.send("tester", "Agent-1", "one")
    target = tmp_path / "copy.db"
    assert (await acli(swarm, "db", "backup", str(target))).exit_code == 0
    again = await acli(swarm, "db", "backup", str(target))
    assert again.exit_code == 2
    assert "already exists; pass --force" in again.stderr
    forced = await acli_json(swarm, "db", "backup", str(target), "--force")
    assert forced["verified"] is True
    assert forced["pages"] > 0
    assert listing(tmp_path, "*copy*") == [tmp_path / "copy.db"]


def prepare_sources(folder: Path, swarm: Swarm) -> None:
    (folder / "notes.txt").write_text("not a database")
    other = sqlite3.connect(folder / "other.db")
    other.execute("CREATE TABLE t (x)")
    other.commit()
    other.close()
    shutil.copy(swarm.database, folder / "newer.db")
    execute(
        folder / "newer.db",
        "PRAGMA journal_mode = DELETE",
        "INSERT INTO schema_migrations (version, description, checksum) VALUES (99, 'x', 'x')",
    )


BAD_INPUTS = [
    (["db", "backup", "{tmp}/missing/copy.db"], "directory {tmp}/missing does not exist"),
    (["db", "backup", "/sys/swarmbus-copy.db"], "backup path /sys/swarmbus-copy.db: cannot write"),
    (["db", "backup", "{tmp}"], "is a directory"),
    (["db", "restore", "{tmp}/notes.txt"], "is not a swarmbus database (file is not a database)"),
    (
        ["db", "restore", "{tmp}/other.db"],
        "is not a swarmbus database (it has no schema_migrations)",
    ),
    (["db", "restore", "{tmp}/newer.db"], "has schema version 99, but this swarmbus knows"),
    (["db", "restore", "{tmp}/nothing.db"], "nothing.db: no such file"),
    (["db", "prune", "--older-than", "soon"], "--older-than 'soon' is not allowed"),
    (["db", "prune", "--older-than", "0"], "--older-than '0' is not allowed"),
    (["agents", "report", "Agent-9", "--status", "busy"], "unknown agent 'Agent-9'"),
    (["agents", "report", "Agent-1", "--status", "asleep"], "status 'asleep' is not allowed"),
    (["agents", "report", "Agent-1", "--status", "unknown"], "status 'unknown' is not allowed"),
    (["agents", "report", "Agent-1", "-s", "busy", "--focus", "x" * 201], "at most 200"),
]


@pytest.mark.parametrize(
    ("args", "expected"), BAD_INPUTS, ids=[" ".join(a)[:40] for a, _ in BAD_INPUTS]
)
async def test_bad_input_is_one_line_exit_2_and_changes_nothing(
    swarm: Swarm, tmp_path: Path, args: list[str], expected: str
) -> None:
    async with await Bus.open(swarm) as bus:
        await bus.send("tester", "Agent-1", "history")
    prepare_sources(tmp_path, swarm)
    before = dump(swarm.database)
    files = listing(tmp_path)
    result = await acli(swarm, *(a.format(tmp=tmp_path) for a in args))
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("error: ")
    assert expected.format(tmp=tmp_path) in lines[0]
    assert "Traceback" not in result.output
    assert dump(swarm.database) == before
    assert listing(tmp_path) == files


async def test_backup_reports_progress_step_by_step(
    swarm: Swarm, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with await Bus.open(swarm) as bus:
        for n in range(50):
            await bus.send("tester", "Agent-1", f"message {n} " + "x" * 1000)
    monkeypatch.setattr(copier, "STEP_PAGES", 8)
    seen: list[tuple[int, int]] = []
    result = await copier.backup(
        Path(swarm.database),
        tmp_path / "copy.db",
        LATEST,
        lambda done, total: seen.append((done, total)),
    )
    assert len(seen) > 2
    assert [done for done, _ in seen] == sorted(done for done, _ in seen)
    assert seen[-1] == (result.pages, result.pages)
    assert dump(tmp_path / "copy.db") == dump(swarm.database)


async def test_restore_onto_itself_is_refused_while_its_log_is_live(
    swarm: Swarm, tmp_path: Path
) -> None:
    async with await Bus.open(swarm) as bus:
        await bus.send("tester", "Agent-1", "history")
        live = Path(swarm.database)
        assert await anyio.Path(f"{live}-wal").exists()  # an open connection keeps its log
        before = dump(live)
        for source in (live, Path(f"{live}-wal"), tmp_path / "." / live.name):
            refused = await acli(swarm, "db", "restore", str(source))
            assert refused.exit_code == 2, refused.output
            assert f"cannot restore {live} from {source}: that is " in refused.stderr
        backup_over_log = await acli(swarm, "db", "backup", f"{live}-wal", "--force")
        assert backup_over_log.exit_code == 2
        assert "is its write-ahead log of" in backup_over_log.stderr
        await bus.send("tester", "Agent-1", "still writable")
    assert len(dump(live)["agent_messages"]) == len(before["agent_messages"]) + 1
    assert listing(tmp_path, "*.bak") == []


async def test_restoring_the_bak_undoes_a_restore(swarm: Swarm, tmp_path: Path) -> None:
    async with await Bus.open(swarm) as bus:
        await bus.send("tester", "Agent-1", "the good one")
    copy = tmp_path / "copy.db"
    assert (await acli(swarm, "db", "backup", str(copy))).exit_code == 0
    async with await Bus.open(swarm) as bus:
        await bus.send("tester", "Agent-1", "newer")
    newer = dump(swarm.database)
    assert (await acli(swarm, "db", "restore", str(copy))).exit_code == 0
    bak = Path(f"{swarm.database}.bak")
    assert dump(bak) == newer
    undone = await acli_json(swarm, "db", "restore", str(bak))
    assert dump(swarm.database) == newer  # the .bak was read before anything replaced it
    assert undone["kept"].endswith(".bak")
    assert undone["kept"] != str(bak)
    assert len(dump(undone["kept"])["agent_messages"]) == 1
