"""The `swarmbus db …` commands: look after the database."""

from __future__ import annotations

import typer

from swarmbus.cli.common import JsonOption, console, handle_errors, print_json, run, state, table
from swarmbus.printable import visible


@handle_errors
def db_status(ctx: typer.Context, as_json: bool = JsonOption) -> None:
    """Schema version, rows per table, size on disk and journal mode."""
    info = run(state(ctx).operations().status)
    if as_json:
        print_json(info.as_dict())
        return
    out = console()
    out.print(f"database       {visible(info.location)}", markup=False)
    out.print(f"schema version {info.schema_version} (this swarmbus: {info.latest_version})")
    out.print(f"journal mode   {info.journal_mode}")
    out.print(f"size on disk   {info.size_bytes:,} bytes")
    out.print(
        table(None, ["table", "rows"], [[name, f"{n:,}"] for name, n in info.row_counts.items()])
    )
