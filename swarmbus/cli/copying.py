"""`swarmbus db copy SOURCE TARGET`: move a swarm between SQLite and PostgreSQL."""

from __future__ import annotations

import sys
from typing import Annotated, Any

import typer

from swarmbus import errors
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
    _check_source(source)
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


def _check_source(source: str) -> None:
    from swarmbus.storage import postgres
    from swarmbus.storage.database import sqlite_path

    if not postgres.is_postgres_url(source) and not sqlite_path(source).is_file():
        raise errors.UsageError(f"source database {source} does not exist")


async def _copy(source: str, target: str, append: bool, show_progress: bool) -> Any:
    from swarmbus.storage.copying import copy_database, counts
    from swarmbus.storage.database import open_database

    async with (
        await open_database(source, create=False) as origin,  # a copy's source is only read
        await open_database(target) as dest,
    ):
        if not show_progress:
            return await copy_database(origin, dest, append)
        from rich.progress import Progress

        total = sum((await counts(origin)).values())
        with Progress(transient=True) as bar:
            task = bar.add_task("copying", total=total)
            return await copy_database(origin, dest, append, lambda _t, n: bar.advance(task, n))
