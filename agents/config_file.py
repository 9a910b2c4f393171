"""Editing `swarmbus.toml` in place: comments and layout survive, and only a valid
result is ever written (atomically), so a failed edit leaves the file as it was."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import tomlkit
from tomlkit.items import AoT, Table

from swarmbus.agents import config as swarm_config
from swarmbus.fsutil import atomic_write

R = TypeVar("R")


def edit_config(path: Path, change: Callable[[Any], R]) -> R:
    """Apply `change` to the parsed document and write it back if it still validates."""
    text = swarm_config.read_text(path)
    swarm_config.parse(text, path)  # the current file must be valid to edit it
    document = tomlkit.parse(text)
    result = change(document)
    new_text = tomlkit.dumps(document)
    swarm_config.parse(new_text, path)
    atomic_write(path, new_text)
    return result


def agent_table(document: Any, name: str, create: bool = False) -> Table | None:
    """The `[[agents]]` table named `name`; appended when missing and `create` is set."""
    tables: AoT = document.setdefault("agents", tomlkit.aot())
    for table in tables:
        if str(table.get("name")) == name:
            return table
    if not create:
        return None
    table = tomlkit.table()
    table["name"] = name
    tables.append(table)
    return table
