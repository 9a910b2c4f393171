"""`swarmbus db backup PATH` and `swarmbus db restore PATH` (SQLite files)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from swarmbus.cli.common import JsonOption, handle_errors, print_json, run, state

TargetArgument = Annotated[Path, typer.Argument(help="Where to write the copy (a new file).")]
SourceArgument = Annotated[Path, typer.Argument(help="A backup made by 'swarmbus db backup'.")]
ForceOption = Annotated[bool, typer.Option(help="Replace PATH if it exists.")]


@handle_errors
def backup(
    ctx: typer.Context, path: TargetArgument, force: ForceOption = False, as_json: bool = JsonOption
) -> None:
    """Copy the database while it is in use (SQLite online backup), then verify the copy."""
    operations = state(ctx).operations()
    done = run(_backup, operations, (path, force), not as_json and sys.stderr.isatty())
    live, result = done.database, done.copy
    if as_json:
        print_json({**result.__dict__, "path": str(result.path), "verified": True})
        return
    print(
        f"backed up {live} to {result.path}: {result.size_bytes:,} bytes, {result.pages:,} pages "
        f"in {result.seconds:.3f} s; verified (integrity ok, schema version "
        f"{result.schema_version})"
    )


async def _backup(operations: Any, target: tuple[Path, bool], show_progress: bool) -> Any:
    from rich.progress import Progress

    path, force = target
    with Progress(transient=True, disable=not show_progress) as bar:
        task = bar.add_task("backing up", total=None)
        return await operations.backup(
            path,
            force=force,
            progress=lambda done, total: bar.update(task, completed=done, total=total),
        )


@handle_errors
def restore(ctx: typer.Context, path: SourceArgument, as_json: bool = JsonOption) -> None:
    """Replace the database with a backup; refused while a dispatcher runs; keeps a .bak."""
    restored = run(state(ctx).operations().restore, path)
    live, kept, version = restored.database, restored.kept, restored.schema_version
    if as_json:
        print_json(
            {"database": str(live), "source": str(path), "kept": str(kept) if kept else None}
        )
        return
    print(f"restored {live} from {path} (schema version {version})")
    if kept is not None:
        print(f"the replaced database is kept as {kept}")
