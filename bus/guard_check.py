"""The commit hook's check: which staged paths another agent reserved exclusively.

It runs on every commit, and the commit waits, so it imports only the standard
library, the glob rules and the hook's read (`storage.guard_reads`), and finds
the database the way every face does (`$SWARMBUS_DB`, else the config's
`[database] path`) without validating the whole config. Hundreds of live
patterns are sorted by their plain prefix's first folder, so a path is
matched against the few that can cover it, and only those are compiled.
"""

from __future__ import annotations

import os
import subprocess
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from swarmbus import errors
from swarmbus.agents.config_paths import DATABASE_ENV, resolve_database
from swarmbus.model import globs

MAX_CONFIG_BYTES = 1 << 20  # as the config loader: more is not a swarmbus.toml
GIT_TIMEOUT = 30.0  # seconds for `git diff --cached`


@dataclass(frozen=True, slots=True)
class Hold:
    """A live exclusive reservation of another agent, as the hook shows it."""

    agent_id: str
    pattern: str
    reason: str
    expires_at: str  # the database's time text


@dataclass(frozen=True, slots=True)
class Blocked:
    """A staged path and a reservation covering it."""

    path: str
    hold: Hold


def check(config: Path, project: str, agent: str, env: Mapping[str, str]) -> list[Blocked]:
    """The staged paths (in the current working tree) others hold, with who holds them."""
    paths = staged_paths()
    if not paths:
        return []
    from swarmbus.storage import guard_reads

    rows = guard_reads.holds(database_location(config, env), project, agent)
    return blocked([Hold(**row) for row in rows], paths)


def staged_paths(folder: Path | None = None) -> list[str]:
    """Every path the commit touches (added, changed, deleted; both names of a rename),
    relative to the working tree's root, as git names them."""
    try:
        done = subprocess.run(
            ["git", "diff", "--cached", "--name-only", "-z", "--no-renames"],
            cwd=folder,
            capture_output=True,
            timeout=GIT_TIMEOUT,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise errors.UsageError(f"git diff --cached failed: {exc}") from None
    if done.returncode != 0:
        said = done.stderr.decode(errors="replace").strip().splitlines() or ["no output"]
        raise errors.UsageError(f"git diff --cached failed: {said[0]}")
    return [os.fsdecode(name) for name in done.stdout.split(b"\0") if name]


def database_location(config: Path, env: Mapping[str, str]) -> str:
    """`$SWARMBUS_DB`, else the config's `[database] path` (relative to the config's folder)."""
    if env.get(DATABASE_ENV):
        return env[DATABASE_ENV]
    try:
        with open(config, "rb") as stream:
            data = tomllib.loads(stream.read(MAX_CONFIG_BYTES + 1).decode("utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise errors.ConfigError(f"{config}: cannot read the config: {exc}") from None
    path = data.get("database", {}).get("path", "swarmbus.db")
    if not isinstance(path, str) or not path:
        raise errors.ConfigError(f"{config}: [database] path {path!r} is not a path")
    return resolve_database(path, config.parent)


def blocked(holds: Sequence[Hold], paths: Sequence[str]) -> list[Blocked]:
    """Each (path, hold) where the hold's pattern covers the path, in path order."""
    by_folder: dict[str, list[tuple[str, Hold]]] = {}
    anywhere: list[tuple[str, Hold]] = []  # patterns whose plain prefix names no folder
    for hold in holds:
        prefix = globs.plain_prefix(hold.pattern)
        folder, slash, _ = prefix.partition("/")
        (by_folder.setdefault(folder, []) if slash else anywhere).append((prefix, hold))
    found = []
    for path in paths:
        candidates = [*by_folder.get(path.partition("/")[0], ()), *anywhere]
        found += [
            Blocked(path, hold)
            for prefix, hold in candidates
            if path.startswith(prefix) and globs.covers(hold.pattern, path)
        ]
    return found
