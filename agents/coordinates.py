"""Import the `coordinates.json` that Agent Cellphone-style setups already keep.

Shape: ``{"Agent-1": {"chat_input_coordinates": [x, y],
"onboarding_coordinates": [x, y], "description": "..."}, ...}``. Each agent's
chat-input point becomes its gui `x`/`y` in `swarmbus.toml`; agents the config
does not know yet are appended. The file is only replaced once the result
validates, so a bad import writes nothing.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import tomlkit
from pydantic import BaseModel, ConfigDict, Field, StrictInt, ValidationError

from swarmbus import errors
from swarmbus.agents import config as swarm_config
from swarmbus.agents.config import AgentName
from swarmbus.fsutil import atomic_write

Point = Annotated[list[StrictInt], Field(min_length=2, max_length=2)]


class CoordinateEntry(BaseModel):
    """One agent's entry; keys other than these are ignored."""

    model_config = ConfigDict(extra="ignore")

    chat_input_coordinates: Point
    onboarding_coordinates: Point | None = None
    description: str | None = None


class _CoordinateFile(BaseModel):
    agents: dict[AgentName, CoordinateEntry]


@dataclass(frozen=True)
class ImportResult:
    """Which agents the import updated and which it added."""

    updated: list[str]
    added: list[str]


def read_coordinates(path: Path) -> dict[str, CoordinateEntry]:
    """Parse and validate a coordinates file."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise errors.UsageError(f"{path}: coordinates file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise errors.UsageError(f"{path}: cannot read coordinates file ({exc})") from None
    except json.JSONDecodeError as exc:
        raise errors.UsageError(f"{path}: not valid JSON: {exc}") from None
    if not isinstance(raw, dict) or not raw:
        raise errors.UsageError(
            f"{path}: expected an object of agents, like "
            '{"Agent-1": {"chat_input_coordinates": [x, y]}}'
        )
    try:
        return _CoordinateFile.model_validate({"agents": raw}).agents
    except ValidationError as exc:
        problem = exc.errors(include_url=False)[0]
        where = ".".join(str(part) for part in problem["loc"][1:])
        message = str(problem["msg"]).removeprefix("Value error, ")
        if problem["type"] == "missing":
            raise errors.UsageError(f"{path}: {where}: required key is missing") from None
        raise errors.UsageError(f"{path}: {where} = {problem['input']!r}: {message}") from None


def import_coordinates(config_path: Path, coordinates_path: Path) -> ImportResult:
    """Write every agent's chat-input point from the coordinates file into the config."""
    entries = read_coordinates(coordinates_path)
    try:
        text = config_path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise errors.ConfigError(
            f"{config_path}: config file not found; run 'swarmbus init' first"
        ) from None
    swarm_config.parse(text, config_path)  # the current file must be valid to edit it
    document = tomlkit.parse(text)
    tables = document.setdefault("agents", tomlkit.aot())
    by_name = {str(table["name"]): table for table in tables}
    updated, added = [], []
    for name, entry in entries.items():
        x, y = entry.chat_input_coordinates
        table = by_name.get(name)
        if table is None:
            table = tomlkit.table()
            table["name"] = name
            if entry.description:
                table["specialization"] = entry.description
            tables.append(table)
            added.append(name)
        else:
            updated.append(name)
        table["transport"] = "gui"
        table["x"] = x
        table["y"] = y
    new_text = tomlkit.dumps(document)
    swarm_config.parse(new_text, config_path)
    atomic_write(config_path, new_text)
    return ImportResult(updated=updated, added=added)
