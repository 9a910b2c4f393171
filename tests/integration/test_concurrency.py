"""Several processes share one database file without a lock error reaching anyone."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from pathlib import Path

from swarmbus.agents.config import Swarm
from swarmbus.storage import migrations
from swarmbus.storage.database import describe, open_database
from tests.conftest import write_swarm
from tests.processes import swarmbus, worker


def finish(process: subprocess.Popen[str], timeout: float = 120) -> dict:
    out, err = process.communicate(timeout=timeout)
    assert process.returncode == 0, err
    assert "database is locked" not in err
    return json.loads(out.strip().splitlines()[-1])


async def test_four_processes_write_for_three_seconds(make_swarm: Callable[..., Swarm]) -> None:
    swarm = make_swarm(["Agent-1", "Agent-2"])
    workers = [worker("write-mix", str(swarm.path), "3", f"writer-{n}") for n in range(4)]
    results = [finish(w) for w in workers]
    assert all(r["failures"] == [] for r in results)
    total = sum(r["writes"] for r in results)
    assert total > 100  # they really overlapped
    async with await open_database(swarm.database) as db:
        counts = (await describe(db)).row_counts
    assert counts["agent_messages"] == total
    assert counts["core_systems_status"] == 4


def test_many_processes_create_the_same_fresh_database(tmp_path: Path) -> None:
    """The first opener migrates while the others wait; nobody sees half a schema."""
    for round_ in range(3):
        location = tmp_path / f"fresh-{round_}.db"
        config = str(write_swarm(tmp_path))
        openers = [  # a send creates the database; read commands only open an existing one
            swarmbus("--db", str(location), "--config", config, "send", "Agent-1", "hi")
            for _ in range(8)
        ]
        for opener in openers:
            _, err = opener.communicate(timeout=120)
            assert opener.returncode == 0, err
        status = swarmbus("--db", str(location), "--config", config, "db", "status", "--json")
        out, err = status.communicate(timeout=120)
        assert status.returncode == 0, err
        assert json.loads(out)["schema_version"] == migrations.latest_version("sqlite")
        assert json.loads(out)["row_counts"]["agent_messages"] == 8
