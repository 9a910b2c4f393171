"""Helpers shared by the benchmarks: a throwaway swarm and a results table."""

from __future__ import annotations

import atexit
import os
import shutil
import statistics
import tempfile
from collections.abc import Iterable
from pathlib import Path

from swarmbus.agents import config as swarm_config
from swarmbus.agents.config import Swarm


def temp_swarm(
    agents: int = 8,
    transport: str = "memory",
    synchronous: str = "normal",
    database: str | None = None,
    **bus: object,
) -> Swarm:
    """A swarm config with `agents` agents in a new temporary folder."""
    folder = Path(tempfile.mkdtemp(prefix="swarmbus-bench-"))
    atexit.register(shutil.rmtree, folder, True)  # a run's databases reach 100 MB
    lines = ["[database]", f'synchronous = "{synchronous}"']
    lines += [f'path = "{database}"'] if database else []
    lines += ["[bus]"]
    lines += [f"{key} = {value}" for key, value in bus.items()]
    for n in range(1, agents + 1):
        lines += ["[[agents]]", f'name = "Agent-{n}"', f'transport = "{transport}"']
    path = folder / "swarmbus.toml"
    path.write_text("\n".join(lines) + "\n")
    return swarm_config.load(path, {})


def percentile(values: Iterable[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))]


def median(values: Iterable[float]) -> float:
    return statistics.median(values)


def print_table(title: str, header: list[str], rows: list[list[object]]) -> None:
    """A plain Markdown table, ready to paste into a note."""
    print(f"\n{title}\n")
    print("| " + " | ".join(header) + " |")
    print("|" + "|".join("---:" if i else "---" for i in range(len(header))) + "|")
    for row in rows:
        print("| " + " | ".join(str(cell) for cell in row) + " |")


ADMIN_POSTGRES = os.environ.get("SWARMBUS_BENCH_POSTGRES", "postgresql://127.0.0.1:5432/test")


def temp_postgres() -> str:
    """A new empty PostgreSQL database on the benchmark server; returns its URL."""
    import secrets
    from urllib.parse import urlsplit, urlunsplit

    name = f"swarmbus_bench_{secrets.token_hex(4)}"
    _admin(f"CREATE DATABASE {name}")
    parts = urlsplit(ADMIN_POSTGRES)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", "", ""))


def drop_postgres(url: str) -> None:
    from urllib.parse import urlsplit

    _admin(f"DROP DATABASE IF EXISTS {urlsplit(url).path[1:]} WITH (FORCE)")


def _admin(statement: str) -> None:
    """Run one statement on the benchmark server's admin database."""
    import asyncio

    import asyncpg

    async def execute() -> None:
        conn = await asyncpg.connect(ADMIN_POSTGRES)
        try:
            await conn.execute(statement)
        finally:
            await conn.close()

    asyncio.run(execute())
