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
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StrictInt, ValidationError

from swarmbus import errors, fsutil
from swarmbus.agents.config import AgentName
from swarmbus.agents.config_file import agent_table, edit_config

MAX_COORDINATES_BYTES = 1 << 20  # a few hundred bytes per agent
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
        raw = json.loads(fsutil.read_file_at_most(path, MAX_COORDINATES_BYTES).decode("utf-8"))
    except FileNotFoundError:
        raise errors.UsageError(f"{path}: coordinates file not found") from None
    except fsutil.TooLarge:
        size = fsutil.size_text(MAX_COORDINATES_BYTES)
        raise errors.UsageError(f"{path}: coordinates file is larger than {size}") from None
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
    return edit_config(config_path, lambda document: _apply(document, entries))


def _apply(document: Any, entries: dict[str, CoordinateEntry]) -> ImportResult:
    result = ImportResult(updated=[], added=[])
    for name, entry in entries.items():
        table = agent_table(document, name)
        if table is None:
            table = agent_table(document, name, create=True)
            assert table is not None
            if entry.description:
                table["specialization"] = entry.description
            result.added.append(name)
        else:
            result.updated.append(name)
        table["transport"] = "gui"
        table["x"], table["y"] = entry.chat_input_coordinates
    return result
