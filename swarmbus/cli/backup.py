"""`swarmbus db backup PATH` and `swarmbus db restore PATH` (SQLite files)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from swarmbus import errors
from swarmbus.cli.common import JsonOption, handle_errors, print_json, run, state
from swarmbus.cli.opening import open_swarm_database

TargetArgument = Annotated[Path, typer.Argument(help="Where to write the copy (a new file).")]
SourceArgument = Annotated[Path, typer.Argument(help="A backup made by 'swarmbus db backup'.")]
ForceOption = Annotated[bool, typer.Option(help="Replace PATH if it exists.")]


@handle_errors
def backup(
    ctx: typer.Context, path: TargetArgument, force: ForceOption = False, as_json: bool = JsonOption
) -> None:
    """Copy the database while it is in use (SQLite online backup), then verify the copy."""
    from swarmbus.storage import backup as copier
    from swarmbus.storage.database import require_database, sqlite_file

    live = sqlite_file(state(ctx).swarm().database, "db backup")
    require_database(live)
    if (part := copier.part_of(path, live)) is not None:
        raise errors.UsageError(f"backup path {path} is {part} of {live}; choose another file")
    if path.is_dir():
        raise errors.UsageError(f"backup path {path} is a directory; name a file inside it")
    if path.exists() and not force:
        raise errors.UsageError(f"backup path {path} already exists; pass --force to replace it")
    result = run(_backup, live, path, not as_json and sys.stderr.isatty())
    if as_json:
        print_json({**result.__dict__, "path": str(result.path), "verified": True})
        return
    print(
        f"backed up {live} to {result.path}: {result.size_bytes:,} bytes, {result.pages:,} pages "
        f"in {result.seconds:.3f} s; verified (integrity ok, schema version "
        f"{result.schema_version})"
    )


async def _backup(live: Path, target: Path, show_progress: bool) -> Any:
    from rich.progress import Progress

    from swarmbus.storage import backup as copier
    from swarmbus.storage import migrations

    latest = migrations.latest_version("sqlite")
    with Progress(transient=True, disable=not show_progress) as bar:
        task = bar.add_task("backing up", total=None)
        return await copier.backup(
            live, target, latest, lambda done, total: bar.update(task, completed=done, total=total)
        )


@handle_errors
def restore(ctx: typer.Context, path: SourceArgument, as_json: bool = JsonOption) -> None:
    """Replace the database with a backup; refused while a dispatcher runs; keeps a .bak."""
    from swarmbus.storage import backup as copier
    from swarmbus.storage.database import sqlite_file

    swarm = state(ctx).swarm()
    live = sqlite_file(swarm.database, "db restore")
    if (part := copier.part_of(path, live)) is not None:
        raise errors.UsageError(
            f"cannot restore {live} from {path}: that is {part}; restore from a backup "
            f"made with 'swarmbus db backup'"
        )
    kept, version = run(_restore, swarm, live, path)
    if as_json:
        print_json(
            {"database": str(live), "source": str(path), "kept": str(kept) if kept else None}
        )
        return
    print(f"restored {live} from {path} (schema version {version})")
    if kept is not None:
        print(f"the replaced database is kept as {kept}")


async def _restore(swarm: Any, live: Path, source: Path) -> tuple[Path | None, int]:
    import anyio.to_thread

    from swarmbus.storage import backup as copier
    from swarmbus.storage import maintenance, migrations

    latest = migrations.latest_version("sqlite")
    examined = await anyio.to_thread.run_sync(copier.examine, source, latest)
    running = []
    if await anyio.Path(live).exists():  # restoring onto a new path: nothing runs there yet
        async with await open_swarm_database(swarm, create=False) as db:
            running = maintenance.live_dispatchers(await db.systems.list())
    if running:
        names = ", ".join(s.system_id for s in running)
        raise errors.BusError(
            f"refusing to restore: dispatcher {names} is running (fresh heartbeat); stop it first"
        )
    return await copier.restore(live, source, latest), examined.schema_version
