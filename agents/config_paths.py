"""Where a swarm's config and database are, by the rules every face follows.

Stdlib only: the commit hook (`swarmbus.guard`) resolves the database from a
config on every commit, without importing the validating config loader.
"""

from __future__ import annotations

from pathlib import Path

CONFIG_FILE_NAME = "swarmbus.toml"
CONFIG_ENV = "SWARMBUS_CONFIG"
DATABASE_ENV = "SWARMBUS_DB"
SQLITE_URL_PREFIX = "sqlite:///"


def resolve_database(location: str, base: Path) -> str:
    """The config's `[database] path`, a relative file taken from the config's folder `base`."""
    if "://" in location:
        prefix = SQLITE_URL_PREFIX
        if location.startswith(prefix) and not Path(location[len(prefix) :]).is_absolute():
            return prefix + str(base / location[len(prefix) :])
        return location
    path = Path(location).expanduser()
    return str(path if path.is_absolute() else base / path)
