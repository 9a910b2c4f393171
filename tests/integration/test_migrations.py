"""Opening older databases upgrades them; newer ones are refused; failures change nothing."""

from __future__ import annotations

import hashlib
import os
import sqlite3
from pathlib import Path

import anyio.to_thread
import pytest

from swarmbus import errors
from swarmbus.storage import migrations
from swarmbus.storage.database import describe, open_database
from swarmbus.storage.migrations import Migration
from swarmbus.storage.sqlite import SqliteConnector, connect, enable_wal, pragma

PACKAGED = migrations.packaged_migrations("sqlite")
ADD_NOTES = Migration(2, "add_notes", "ALTER TABLE agent_workspaces ADD COLUMN notes TEXT;")
BROKEN = Migration(
    2,
    "half_broken",
    "CREATE TABLE fresh (x INTEGER);\n"
    "INSERT INTO fresh VALUES (1);\n"
    "ALTER TABLE agent_workspaces ADD COLUMN notes TEXT;\n"
    "INSERT INTO table_that_does_not_exist VALUES (1);\n",
)


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


async def _connector(path: Path) -> SqliteConnector:
    connector = await connect(path)
    await enable_wal(connector)
    return connector


def test_packaged_migrations_follow_the_naming_rule() -> None:
    folder = Path(__file__).parents[2] / "storage" / "sql" / "sqlite" / "migrations"
    names = sorted(p.name for p in folder.glob("*.sql"))
    assert names, "no migrations shipped"
    assert all(migrations.FILE_NAME.match(name) for name in names)
    versions = [m.version for m in PACKAGED]
    assert versions == sorted(set(versions))
    assert versions[0] == 1


def test_a_version_used_twice_or_below_one_is_refused() -> None:
    with pytest.raises(ValueError, match="0002 is used twice"):
        migrations.check_sequence([*PACKAGED[:2], ADD_NOTES])
    with pytest.raises(ValueError, match="versions start at 1"):
        migrations.check_sequence([Migration(0, "zero", "SELECT 1;")])


THIRD = Migration(3, "add_third", "CREATE TABLE third (x INTEGER);")
FOURTH = Migration(4, "add_fourth", "CREATE TABLE fourth (x INTEGER);")


async def test_a_gap_left_by_another_branch_is_filled_when_its_migration_ships(
    tmp_path: Path,
) -> None:
    """Branches take numbers side by side: a database at 1, 2, 4 gets 3 once it ships."""
    connector = await _connector(tmp_path / "gap.db")
    report = await migrations.migrate(connector, [*PACKAGED[:2], FOURTH])
    assert [m.version for m in report.applied] == [1, 2, 4]
    report = await migrations.migrate(connector, [*PACKAGED[:2], THIRD, FOURTH])
    assert [m.version for m in report.applied] == [3]
    assert (report.from_version, report.to_version) == (4, 4)
    assert await migrations.applied_versions(connector) == {1, 2, 3, 4}
    assert await connector.fetch_all("SELECT * FROM third") == []
    await connector.close()


async def test_a_database_with_a_migration_this_build_lacks_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "other-branch.db"
    connector = await _connector(path)
    await migrations.migrate(connector, [*PACKAGED[:2], THIRD])
    await connector.close()
    before = digest(path)
    connector = await connect(path)
    with pytest.raises(errors.SchemaTooNew, match="has migration 0003, which this swarmbus"):
        await migrations.migrate(connector, [*PACKAGED[:2], FOURTH])
    await connector.close()
    assert digest(path) == before


async def test_an_older_database_is_upgraded_keeping_its_rows(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    connector = await _connector(path)
    report = await migrations.migrate(connector, PACKAGED[:1])
    assert (report.from_version, report.to_version) == (0, 1)
    await connector.execute(
        "INSERT INTO agent_workspaces (agent_id, team, specialization, captain) "
        "VALUES ('A', 't', 's', 'c')"
    )
    report = await migrations.migrate(connector, [*PACKAGED[:1], ADD_NOTES])
    assert (report.from_version, report.to_version) == (1, 2)
    assert [m.version for m in report.applied] == [2]
    row = await connector.fetch_one("SELECT agent_id, notes FROM agent_workspaces")
    assert row == {"agent_id": "A", "notes": None}
    recorded = await migrations.applied(connector)
    assert [r["version"] for r in recorded] == [1, 2]
    assert recorded[1]["description"] == "add notes"
    assert recorded[1]["checksum"] == ADD_NOTES.checksum
    await connector.close()


async def test_a_newer_database_is_refused_and_left_untouched(tmp_path: Path) -> None:
    path = tmp_path / "new.db"
    db = await open_database(path)
    await db.connector.execute(
        "INSERT INTO schema_migrations (version, description, checksum) VALUES (99, 'x', 'y')"
    )
    await db.close()
    before = digest(path)
    with pytest.raises(errors.SchemaTooNew) as caught:
        await open_database(path)
    message = str(caught.value)
    assert "\n" not in message
    assert "schema version 99" in message
    assert f"up to {migrations.latest_version('sqlite')}" in message
    assert caught.value.exit_code == 2
    assert digest(path) == before


async def test_a_failing_migration_leaves_the_database_as_it_was(tmp_path: Path) -> None:
    path = tmp_path / "db.db"
    connector = await _connector(path)
    await migrations.migrate(connector, PACKAGED[:1])
    schema_before = await connector.fetch_all("SELECT name, sql FROM sqlite_master ORDER BY name")
    with pytest.raises(errors.MigrationFailed) as caught:
        await migrations.migrate(connector, [*PACKAGED[:1], BROKEN])
    assert "migration 0002 (half broken) failed" in str(caught.value)
    assert "left at version 1" in str(caught.value)
    assert await migrations.current_version(connector) == 1
    schema_after = await connector.fetch_all("SELECT name, sql FROM sqlite_master ORDER BY name")
    assert schema_after == schema_before
    await connector.close()


async def test_a_foreign_database_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "other.db"
    with sqlite3.connect(path) as raw:
        raw.execute("CREATE TABLE customers (id INTEGER)")
    before = digest(path)
    with pytest.raises(errors.DatabaseUnavailable, match="database of some other program"):
        await open_database(path)
    assert digest(path) == before


async def test_not_a_database_at_all(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("hello, I am a text file" * 100)
    with pytest.raises(errors.DatabaseUnavailable, match="not a readable SQLite database"):
        await open_database(path)


async def test_a_missing_directory_is_one_clear_error(tmp_path: Path) -> None:
    with pytest.raises(errors.DatabaseUnavailable, match=r"directory .*missing.* does not exist"):
        await open_database(tmp_path / "missing" / "x.db")


async def test_reopening_is_a_no_op(tmp_path: Path) -> None:
    path = tmp_path / "db.db"
    await (await open_database(path)).close()
    db = await open_database(path)
    assert (await describe(db)).schema_version == migrations.latest_version("sqlite")
    assert await pragma(db.connector, "journal_mode") == "wal"
    assert await pragma(db.connector, "foreign_keys") == 1
    assert await pragma(db.connector, "synchronous") == 1  # NORMAL
    await db.close()
    full = await open_database(path, synchronous="full")
    assert await pragma(full.connector, "synchronous") == 2
    await full.close()


async def test_without_create_a_missing_or_empty_database_is_refused(tmp_path: Path) -> None:
    missing = tmp_path / "typo.db"
    with pytest.raises(errors.DatabaseMissing, match=f"no swarmbus database at {missing} "):
        await open_database(missing, create=False)
    assert os.listdir(tmp_path) == []
    empty = tmp_path / "empty.db"
    empty.write_bytes(b"")
    with pytest.raises(errors.DatabaseMissing, match="run 'swarmbus init'"):
        await open_database(empty, create=False)
    assert os.listdir(tmp_path) == ["empty.db"]
    assert empty.read_bytes() == b""
    async with await open_database(tmp_path / "made.db"):  # creating is the default
        pass
    async with await open_database(tmp_path / "made.db", create=False) as db:
        assert (await describe(db)).schema_version == migrations.latest_version("sqlite")


async def test_without_create_an_empty_postgres_database_is_refused() -> None:
    from tests import postgres

    url = postgres.url_of(f"{postgres.PREFIX}empty_{os.getpid()}")
    name = url.rsplit("/", 1)[1]
    await anyio.to_thread.run_sync(
        postgres.admin, f"DROP DATABASE IF EXISTS {name}", f"CREATE DATABASE {name}"
    )
    try:
        with pytest.raises(errors.DatabaseMissing, match="no swarmbus database at postgresql://"):
            await open_database(url, create=False)
        async with await open_database(url) as db:  # nothing was created by the refusal
            assert (await describe(db)).schema_version == migrations.latest_version("postgres")
    finally:
        await anyio.to_thread.run_sync(postgres.drop, url)


async def test_an_sqlite_without_full_text_search_is_named(tmp_path: Path) -> None:
    connector = await _connector(tmp_path / "db.db")
    needs_fts = Migration(2, "search", "CREATE VIRTUAL TABLE t USING fts5 (a, tokenize = 'no');")
    with pytest.raises(errors.MigrationFailed) as caught:
        await migrations.migrate(connector, [*PACKAGED[:1], needs_fts])
    assert "lacks FTS5 with the trigram tokenizer" in str(caught.value)
    assert "left at version 1" in str(caught.value)
    await connector.close()
