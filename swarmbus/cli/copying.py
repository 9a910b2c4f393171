"""`swarmbus db copy SOURCE TARGET`: move a swarm between SQLite and PostgreSQL."""

from __future__ import annotations

import sys
from typing import Annotated, Any

import typer

from swarmbus.cli.common import JsonOption, console, handle_errors, print_json, run, table

SourceArgument = Annotated[
    str,
    typer.Argument(help="The database to copy from: a file path, sqlite:///path or postgresql://…"),
]
TargetArgument = Annotated[
    str, typer.Argument(help="The database to copy into (created and migrated if needed).")
]
AppendOption = Annotated[
    bool,
    typer.Option(
        "--append", help="Add to a target that already holds rows (rows it has are kept)."
    ),
]


@handle_errors
def copy(
    source: SourceArgument,
    target: TargetArgument,
    append: AppendOption = False,
    as_json: bool = JsonOption,
) -> None:
    """Copy every table, in batches, and verify the row counts."""
    report = run(_copy, source, target, append, not as_json and sys.stderr.isatty())
    if as_json:
        print_json({"source": report.source, "copied": report.copied, "target": report.after})
        return
    console().print(
        table(
            f"copied {sum(report.copied.values()):,} rows into {target}",
            ["table", "source rows", "copied", "target rows"],
            [
                [name, report.source[name], report.copied[name], report.after[name]]
                for name in report.source
            ],
        )
    )


async def _copy(source: str, target: str, append: bool, show_progress: bool) -> Any:
    from rich.progress import Progress

    from swarmbus.bus.operations import Operations

    with Progress(transient=True, disable=not show_progress) as bar:
        task = bar.add_task("copying", total=None)
        return await Operations.copy(
            source,
            target,
            append=append,
            progress=lambda done, total: bar.update(task, completed=done, total=total),
        )
