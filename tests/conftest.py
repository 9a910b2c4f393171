"""Shared fixtures: a swarm config written to a temp folder, its database, its bus."""

from __future__ import annotations

import os
import sys
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from swarmbus.agents import config as swarm_config
from swarmbus.agents.config import Swarm
from swarmbus.bus.api import Bus
from swarmbus.storage.database import Database, open_database

PYTHON = sys.executable


def agent_table(name: str, transport: str = "memory", **extra: Any) -> str:
    lines = ["[[agents]]", f'name = "{name}"', f'transport = "{transport}"']
    lines += [f"{key} = {value!r}".replace("'", '"') for key, value in extra.items()]
    return "\n".join(lines) + "\n"


def write_swarm(
    folder: Path,
    agents: list[str] | None = None,
    *,
    transport: str = "memory",
    bus: dict[str, Any] | None = None,
    extra: str = "",
    database: str | None = None,
) -> Path:
    """Write a swarmbus.toml into `folder` and return its path."""
    names = agents or ["Agent-1", "Agent-2", "Agent-3"]
    settings = {"backoff_base_seconds": 0.01, "backoff_max_seconds": 0.05, **(bus or {})}
    text = f'[database]\npath = "{database}"\n' if database else ""
    text += "[bus]\n" + "".join(f"{k} = {v}\n" for k, v in settings.items()) + extra + "\n"
    text += "\n".join(agent_table(name, transport) for name in names)
    path = folder / "swarmbus.toml"
    path.write_text(text, encoding="utf-8")
    return path


BACKENDS = ["sqlite", "postgres"]
# The seven tables of the data contract, parents before children.
CONTRACT_TABLES = [
    "agent_workspaces",
    "agent_messages",
    "discord_commands",
    "core_systems_status",
    "v2_compliance_audit",
    "integration_tests",
    "schema_migrations",
]


@pytest.fixture(scope="session")
def postgres_template() -> Iterator[str]:
    """A migrated PostgreSQL database, made once per session when a test needs one."""
    from tests import postgres

    name = postgres.create_template()
    yield name
    postgres.drop(postgres.url_of(name))


@pytest.fixture(params=["sqlite"])
def backend(request: pytest.FixtureRequest) -> Iterator[str | None]:
    """Where the test's database lives: None for a SQLite file, else a PostgreSQL URL.

    Modules run their tests on both backends with
    `pytestmark = pytest.mark.parametrize("backend", BACKENDS, indirect=True)`.
    """
    if request.param == "sqlite":
        yield None
        return
    from tests import postgres

    url = postgres.clone(request.getfixturevalue("postgres_template"))
    yield url
    postgres.drop(url)


@pytest.fixture
def make_swarm(tmp_path: Path, backend: str | None) -> Callable[..., Swarm]:
    def make(*args: Any, **kwargs: Any) -> Swarm:
        kwargs.setdefault("database", backend)
        path = write_swarm(tmp_path, *args, **kwargs)
        env = {k: v for k, v in os.environ.items() if not k.startswith("SWARMBUS_")}
        return swarm_config.load(path, env)

    return make


@pytest.fixture
def swarm(make_swarm: Callable[..., Swarm]) -> Swarm:
    return make_swarm()


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = await open_database(tmp_path / "test.db")
    yield database
    await database.close()


@pytest.fixture
async def bus(swarm: Swarm) -> AsyncIterator[Bus]:
    opened = await Bus.open(swarm)
    yield opened
    await opened.close()


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for key in list(os.environ):
        if key.startswith("SWARMBUS_"):
            monkeypatch.delenv(key)
