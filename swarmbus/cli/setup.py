"""`swarmbus init` and the `swarmbus agents …` commands."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated, Any, Literal

import typer

from swarmbus import errors
from swarmbus.cli.common import JsonOption, console, handle_errors, print_json, run, state, table


def _default_transport() -> Literal["gui", "inbox"]:
    if sys.platform in ("darwin", "win32") or os.environ.get("DISPLAY"):
        return "gui"
    return "inbox"


@handle_errors
def init(
    ctx: typer.Context,
    directory: Annotated[Path, typer.Argument(help="Where to write swarmbus.toml.")] = Path("."),
    transport: Annotated[
        str | None,
        typer.Option(
            help="Transport of the eight starter agents: gui or inbox "
            "(default: gui when a display is present, else inbox)."
        ),
    ] = None,
    force: Annotated[bool, typer.Option(help="Overwrite an existing swarmbus.toml.")] = False,
) -> None:
    """Write a starter config with eight agents and create the database."""
    from swarmbus.agents.starter import starter_config
    from swarmbus.fsutil import atomic_write

    chosen = transport or _default_transport()
    if chosen not in ("gui", "inbox"):
        raise errors.UsageError(f"transport {chosen!r} is not allowed; use gui or inbox")
    path = _new_config_path(directory, force)
    text = starter_config(chosen)  # type: ignore[arg-type]
    swarm = _parse_starter(text, path, state(ctx).db)
    new_files = _files_to_create(swarm.database)
    try:
        info = run(_create_database, swarm)
        atomic_write(path, text)  # only once the database exists
    except BaseException:  # a full disk, a read-only folder: take back what this run made
        for made in new_files:
            made.unlink(missing_ok=True)
        raise
    _print_made(path, swarm, chosen, info)


def _print_made(path: Path, swarm: Any, transport: str, info: Any) -> None:
    """What init made, and where an agent's editor learns to use the bus as tools."""
    print(f"wrote {path} ({len(swarm.config.agents)} {transport} agents)")
    print(f"created database {info.location} (schema version {info.schema_version})")
    print(
        f"agents use the bus as MCP tools: swarmbus mcp config --client cursor|claude|vscode "
        f"--agent {swarm.config.agents[0].name} prints the snippet for their editor"
    )


def _new_config_path(directory: Path, force: bool) -> Path:
    from swarmbus.agents.config import CONFIG_FILE_NAME

    if not directory.is_dir():
        raise errors.UsageError(f"directory {directory} does not exist")
    path = directory / CONFIG_FILE_NAME
    if path.exists() and not force:
        raise errors.UsageError(f"{path} already exists; pass --force to overwrite it")
    return path


def _files_to_create(location: str) -> list[Path]:
    """The database's files (SQLite: the file, its log, its shared memory) not there yet."""
    from swarmbus.bus.opening import database_files

    return [candidate for candidate in database_files(location) if not candidate.exists()]


def _parse_starter(text: str, path: Path, database: str | None) -> Any:
    from swarmbus.agents import config as swarm_config

    env = dict(os.environ)
    if database:
        env[swarm_config.DATABASE_ENV] = database
    return swarm_config.parse(text, path, env)


async def _create_database(swarm):  # type: ignore[no-untyped-def]
    """Create, migrate and register the agents (opening the bus does all three)."""
    from swarmbus.bus.api import Bus
    from swarmbus.bus.operations import Operations

    async with await Bus.open(swarm):
        pass
    return await Operations(swarm.database, swarm).status()


@handle_errors
def agents_list(ctx: typer.Context, as_json: bool = JsonOption) -> None:
    """Sync the config into the registry and show every agent."""
    swarm = state(ctx).swarm()
    rows = run(_agents, swarm)
    if as_json:
        print_json([_agent_json(swarm, row) for row in rows])
        return
    columns = ["agent", "transport", "target", "team", "captain", "status", "focus", "cycles"]
    columns += ["tasks", "coord %", "V2 %", "last report"]
    body = [_agent_row(swarm, row) for row in rows]
    console().print(table(f"{len(rows)} agents ({swarm.path})", columns, body))


def _agent_row(swarm: Any, row: Any) -> list[Any]:
    return [
        row.agent_id,
        row.transport,
        _target(swarm, swarm.agents[row.agent_id]),
        row.team,
        row.captain,
        row.status,
        row.current_focus or "",
        row.cycle_count,
        row.tasks_completed,
        f"{row.coordination_efficiency:.0f}",
        f"{row.v2_compliance:.0f}",
        f"{row.last_updated:%m-%d %H:%M}" if row.last_updated else "",
    ]


def _agent_json(swarm: Any, row: Any) -> dict[str, Any]:
    agent = swarm.agents[row.agent_id]
    inbox = str(swarm.inbox_dir(agent)) if row.transport == "inbox" else None
    return {
        **row.model_dump(mode="json"),
        "point": agent.point,
        "window_title": agent.window_title,
        "inbox": inbox,
    }


def _target(swarm, agent) -> str:  # type: ignore[no-untyped-def]
    if agent.transport == "gui":
        title = f" '{agent.window_title}'" if agent.window_title else ""
        return f"({agent.x}, {agent.y}){title}"
    if agent.transport == "inbox":
        return str(swarm.inbox_dir(agent))
    return "in memory"


async def _agents(swarm):  # type: ignore[no-untyped-def]
    from swarmbus.bus.api import Bus

    async with await Bus.open(swarm, create=False) as bus:
        return await bus.agents()


@handle_errors
def import_coordinates(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="A coordinates.json from an existing setup.")],
    as_json: bool = JsonOption,
) -> None:
    """Take each agent's chat-input point from a coordinates.json into swarmbus.toml."""
    from swarmbus.agents import config as swarm_config
    from swarmbus.agents.coordinates import import_coordinates as do_import

    path = swarm_config.config_path(state(ctx).config)
    result = do_import(path, file)
    if as_json:
        print_json({"config": str(path), "updated": result.updated, "added": result.added})
        return
    print(
        f"{path}: updated {len(result.updated)} agents, added {len(result.added)}"
        + (f" ({', '.join(result.added)})" if result.added else "")
    )
