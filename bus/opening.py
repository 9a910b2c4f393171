"""Opening a swarm the way every face does: its config, its database, its bus.

Which config: the `config` argument (the CLI's `--config`), else
`$SWARMBUS_CONFIG`, else `./swarmbus.toml`. Which database: the `db` argument
(`--db`), else `$SWARMBUS_DB`, else the config's `[database] path`. The CLI,
the bot, a script (`swarmbus.open_bus`) and whatever face comes next all read
them through `load_swarm`, so they agree on which swarm they are talking to.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from swarmbus.agents.config import Swarm
    from swarmbus.bus.api import Bus
    from swarmbus.storage.database import Database

PathLike = str | os.PathLike[str]


def load_swarm(
    config: PathLike | None = None, *, db: str | None = None, env: Mapping[str, str] | None = None
) -> Swarm:
    """Read and validate the swarm's config; `ConfigError` with one line if it is unusable."""
    from swarmbus.agents import config as swarm_config

    variables = dict(os.environ if env is None else env)
    if db:
        variables[swarm_config.DATABASE_ENV] = db
    return swarm_config.load(config, variables)


async def open_bus(
    config: PathLike | None = None, *, db: str | None = None, create: bool = True
) -> Bus:
    """Open the swarm's bus from its usual config (see the module docstring).

    `create=False` refuses a missing database (`DatabaseMissing`) instead of
    creating an empty one: use it when you only read.
    """
    from swarmbus.bus.api import Bus

    return await Bus.open(load_swarm(config, db=db), create=create)


async def open_swarm_database(swarm: Swarm, *, create: bool) -> Database:
    """The swarm's database, opened with its `[database]` settings (busy timeout, synchronous).

    `create`: whether a missing database may be made (only what stores something new may).
    """
    from swarmbus.storage.database import open_database

    settings = swarm.config.database
    return await open_database(
        swarm.database,
        synchronous=settings.synchronous,
        busy_timeout_ms=settings.busy_timeout_ms,
        create=create,
    )


def require_swarm_database(swarm: Swarm) -> None:
    """Refuse a swarm whose database file is not there (a mistyped `--db`), without opening it."""
    from swarmbus.storage.database import require_database

    require_database(swarm.database)


def database_files(location: str) -> list[Path]:
    """The files a database at `location` consists of: an SQLite file and its log, shared
    memory and journal; none for PostgreSQL (the server keeps it)."""
    from swarmbus.storage import postgres
    from swarmbus.storage.database import sqlite_path

    if postgres.is_postgres_url(location):
        return []
    path = sqlite_path(location)
    return [path, *(Path(f"{path}{suffix}") for suffix in ("-wal", "-shm", "-journal"))]
