"""`swarmbus guard install|uninstall`: the git pre-commit hook that checks reservations."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Annotated

import typer

from swarmbus import errors
from swarmbus.cli.common import JsonOption, handle_errors, print_json, state

ModeOption = Annotated[
    str, typer.Option("--mode", help="block: refuse the commit; warn: print and allow it.")
]
ProjectOption = Annotated[
    str | None,
    typer.Option("--project", help="The repository's root (default: the one around you)."),
]


@handle_errors
def install(
    ctx: typer.Context,
    mode: ModeOption = "block",
    project: ProjectOption = None,
    as_json: bool = JsonOption,
) -> None:
    """Install the pre-commit hook here (an existing hook is chained, not overwritten)."""
    from swarmbus.bus import guard_hook

    if mode not in guard_hook.MODES:  # before the config is even read
        raise errors.UsageError(f"--mode {mode!r} is not allowed; use block or warn")
    swarm = state(ctx).swarm()  # a config that loads: the hook reads its database
    done = guard_hook.install(Path.cwd(), mode, swarm.path, project)
    if as_json:
        print_json(
            {
                "hook": str(done.hook),
                "chained": str(done.chained) if done.chained else None,
                "mode": done.mode,
                "config": str(swarm.path.resolve()),
                "project": done.project,
            }
        )
        return
    print(f"installed the swarmbus guard ({done.mode} mode) in {done.hook}")
    if done.chained:
        print(f"it runs the hook that was there first, now {done.chained}")
    if shutil.which("swarmbus-guard") is None:
        print("note: swarmbus-guard is not on PATH here; until it is, commits pass unchecked")


@handle_errors
def uninstall(ctx: typer.Context, as_json: bool = JsonOption) -> None:
    """Remove the hook and put back the one that was there before, exactly."""
    from swarmbus.bus import guard_hook

    done = guard_hook.uninstall(Path.cwd())
    if as_json:
        print_json({"hook": str(done.hook), "restored": done.chained is not None})
        return
    restored = f"; the earlier hook is back at {done.hook}" if done.chained else ""
    print(f"removed the swarmbus guard from {done.hook}{restored}")
