"""The two dialects' migrations build the same contract, and every query compiles on both.

Migrations stay per dialect (their DDL differs), so a fresh database of each
(an SQLite file; a PostgreSQL clone of the migrated template) is compared:
tables, the columns of each, and the value lists of the CHECK constraints
(`col IN ('a', 'b')` in SQLite's DDL, `col = ANY (ARRAY['a'::text, …])` as
PostgreSQL shows it, a column's domain's CHECK included). Then each dialect's
queries, shared ones included, are compiled by the engine itself: SQLite's
EXPLAIN, PostgreSQL's prepare, which also settles every parameter's type.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from swarmbus.storage.database import Database, open_database
from swarmbus.storage.postgres import compile_query
from swarmbus.storage.queries import load

_QUOTED = r"'(?:[^']|'')*'"
SQLITE_IN = re.compile(rf"\b(\w+)\s+IN\s*\(\s*({_QUOTED}(?:\s*,\s*{_QUOTED})*)\s*\)", re.I)
# `(col)::text = ANY (…)` where the column's type is a domain (migration 0017)
POSTGRES_ANY = re.compile(r"\(?(\w+)\)?(?:::\w+)?\s*=\s*ANY\s*\(\s*\(?ARRAY\[(.*?)\]", re.S)

CheckList = tuple[str, str, tuple[str, ...]]  # (table, column, allowed values)


def _values(text: str) -> tuple[str, ...]:
    return tuple(sorted(re.findall(r"'((?:[^']|'')*)'", text)))


async def _tables(db: Database) -> dict[str, str]:
    """Table -> its CREATE text (SQLite) or its CHECK constraints (PostgreSQL)."""
    rows = await db.connector.fetch_all(load(db.connector.dialect)["list_tables"])
    return {row["name"]: row["sql"] or "" for row in rows}


# The search index is each dialect's own: a table beside agent_messages, left out of
# list_tables (SQLite's FTS5 virtual table; PostgreSQL's with pg_trgm indexes).


async def _columns(db: Database, table: str) -> set[str]:
    if db.connector.dialect == "sqlite":
        rows = await db.connector.fetch_all(f"PRAGMA table_xinfo({table})")
        return {row["name"] for row in rows}
    rows = await db.connector.fetch_all(
        "SELECT column_name AS name FROM information_schema.columns "
        "WHERE table_name = :table AND table_schema = current_schema()",
        {"table": table},
    )
    return {row["name"] for row in rows}


async def contract(db: Database) -> tuple[dict[str, set[str]], list[CheckList]]:
    """The columns of every table, and every CHECK value list, of one database."""
    tables = await _tables(db)
    pattern = SQLITE_IN if db.connector.dialect == "sqlite" else POSTGRES_ANY
    checks = sorted(
        (table, column, _values(values))
        for table, text in tables.items()
        for column, values in pattern.findall(text)
    )
    return {table: await _columns(db, table) for table in tables}, checks


@pytest.mark.parametrize("backend", ["postgres"], indirect=True)
async def test_both_dialects_migrations_make_the_same_tables_columns_and_checks(
    backend: str, tmp_path: Path
) -> None:
    async with (
        await open_database(tmp_path / "fresh.db") as lite,
        await open_database(backend) as pg,
    ):
        lite_columns, lite_checks = await contract(lite)
        pg_columns, pg_checks = await contract(pg)
    assert set(lite_columns) == set(pg_columns)
    assert lite_columns == pg_columns
    assert len(lite_checks) > 20  # the value lists were found, not two empty lists
    assert lite_checks == pg_checks


@pytest.mark.parametrize("backend", ["postgres"], indirect=True)
async def test_each_dialect_has_its_search_index(backend: str, tmp_path: Path) -> None:
    async with (
        await open_database(tmp_path / "fresh.db") as lite,
        await open_database(backend) as pg,
    ):
        fts = await lite.connector.fetch_all(
            "SELECT name FROM sqlite_master WHERE name = 'agent_messages_search' "
            "AND sql LIKE '%fts5%trigram%'"
        )
        trigram = await pg.connector.fetch_all(
            "SELECT indexname FROM pg_indexes WHERE tablename = 'agent_messages_search' "
            "AND indexdef LIKE '%gin (content gin_trgm_ops)%'"
        )
        listed = [
            row["name"]
            for db, dialect in ((lite, "sqlite"), (pg, "postgres"))
            for row in await db.connector.fetch_all(load(dialect)["list_tables"])
        ]
    assert len(fts) == len(trigram) == 1
    assert not [name for name in listed if name.startswith("agent_messages_search")]


def test_a_value_list_is_read_from_either_dialects_text() -> None:
    lite = "status TEXT CHECK (status IN ('a', 'b''c',\n 'd'))"
    pg = "CHECK ((status = ANY (ARRAY['a'::text, 'b''c'::text, 'd'::text])))"
    assert SQLITE_IN.findall(lite)[0][0] == POSTGRES_ANY.findall(pg)[0][0] == "status"
    assert _values(SQLITE_IN.findall(lite)[0][1]) == _values(POSTGRES_ANY.findall(pg)[0][1])


async def test_every_sqlite_query_compiles(db: Database) -> None:
    failed = []
    for name, query in sorted(load("sqlite").items()):
        params = dict.fromkeys(re.findall(r"(?<!:):([a-z_][a-z0-9_]*)", query))
        try:
            await db.connector.fetch_all(f"EXPLAIN {query}", params)
        except Exception as exc:
            failed.append(f"{name}: {exc}")
    assert not failed, "\n".join(failed)


@pytest.mark.parametrize("backend", ["postgres"], indirect=True)
async def test_every_postgres_query_prepares_with_typed_parameters(backend: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(backend)
    failed = []
    try:
        for name, query in sorted(load("postgres").items()):
            try:
                statement = await conn.prepare(compile_query(query)[0])
            except asyncpg.PostgresError as exc:
                failed.append(f"{name}: {exc}")
                continue
            untyped = [t.name for t in statement.get_parameters() if t.name in ("unknown", "")]
            if untyped:
                failed.append(f"{name}: parameters of no type")
    finally:
        await conn.close()
    assert not failed, "\n".join(failed)
