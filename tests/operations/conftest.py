"""Helpers for the operations tests: the CLI, real dispatcher processes, broken database copies."""

from __future__ import annotations

import functools
import json
import sqlite3
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import anyio.to_thread
import pytest
from typer.testing import CliRunner

from swarmbus.agents.config import Swarm
from swarmbus.cli import app

runner = CliRunner()


def cli(swarm: Swarm, *args: str, env: dict[str, str] | None = None) -> Any:
    """Run `swarmbus --config <swarm> ARGS` in-process; stdout and stderr apart."""
    return runner.invoke(
        app,
        ["--config", str(swarm.path), *args],
        catch_exceptions=False,
        env={"COLUMNS": "200", **(env or {})},
    )


async def acli(swarm: Swarm, *args: str, env: dict[str, str] | None = None) -> Any:
    """`cli` from an async test: the command runs its own event loop, so in a worker thread."""
    return await anyio.to_thread.run_sync(functools.partial(cli, swarm, *args, env=env))


async def acli_json(swarm: Swarm, *args: str) -> Any:
    result = await acli(swarm, *args, "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


@pytest.fixture
def reaper() -> Iterator[list[subprocess.Popen[str]]]:
    """Processes a test started: whatever still runs at teardown is killed and reaped."""
    started: list[subprocess.Popen[str]] = []
    yield started
    for process in started:
        if process.poll() is None:
            process.kill()
        process.communicate()


def rows(path: Path | str, table: str, order: str = "rowid") -> list[tuple[Any, ...]]:
    """Every row of a table, read with plain sqlite3 (no swarmbus code in between)."""
    conn = sqlite3.connect(f"file:{Path(path).resolve()}?mode=ro", uri=True)
    try:
        return conn.execute(f"SELECT * FROM {table} ORDER BY {order}").fetchall()
    finally:
        conn.close()


def execute(path: Path | str, *statements: str) -> None:
    """Change a database behind swarmbus's back (foreign keys off, as sqlite3 defaults)."""
    conn = sqlite3.connect(path)
    try:
        for statement in statements:
            conn.execute(statement)
        conn.commit()
    finally:
        conn.close()


def corrupt_index_page(path: Path | str, index: str = "idx_message_sent_at") -> int:
    """Zero the second half of a leaf page of an index (its root's rightmost, following
    interior pages down): `integrity_check` finds it, reads still work.

    The log is checkpointed first, so the page is really in the file.
    """
    conn = sqlite3.connect(path)
    try:
        root = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = ?", (index,))
        page = root.fetchone()[0]
        size = conn.execute("PRAGMA page_size").fetchone()[0]
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()
    with open(path, "r+b") as stream:
        stream.seek((page - 1) * size)
        while (header := stream.read(12))[0] == 0x02:  # an interior index page
            page = int.from_bytes(header[8:12], "big")  # its rightmost child
            stream.seek((page - 1) * size)
        stream.seek((page - 1) * size + size // 2)
        stream.write(b"\x00" * (size // 2))
    return page
