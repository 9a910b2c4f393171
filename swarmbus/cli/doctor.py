"""`swarmbus doctor`: run the integration checks, record and show them; `--history` lists runs."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from swarmbus import errors
from swarmbus.cli.common import JsonOption, console, handle_errors, print_json, run, state, table

HistoryOption = Annotated[bool, typer.Option("--history", help="Show past runs instead.")]
LimitOption = Annotated[int, typer.Option(min=1, max=1000, help="With --history: how many runs.")]
STATUS_STYLE = {"passed": "green", "failed": "bold red", "skipped": "yellow"}


@handle_errors
def doctor(
    ctx: typer.Context,
    history: HistoryOption = False,
    limit: LimitOption = 20,
    as_json: bool = JsonOption,
) -> None:
    """Check the database, delivery, config, Discord token, heartbeats and the latest audit.

    Each check is recorded as an integration_tests row; exits 1 when any check failed.
    """
    operations, config_error = _operations(ctx)
    if history:
        _show_history(run(operations.doctor_history, limit), as_json)
        return
    report = run(_run_doctor, operations, config_error)
    print_json(report.as_dict()) if as_json else _show(report)
    if report.failed:
        raise typer.Exit(1)


def _operations(ctx: typer.Context) -> tuple[Any, str | None]:
    """The swarm to examine; a broken config is itself a finding when --db names the database."""
    from swarmbus.bus.operations import Operations

    cli = state(ctx)
    try:
        return cli.operations(), None
    except errors.ConfigError as exc:
        if not cli.db:
            raise
        return Operations(cli.db), str(exc)


async def _run_doctor(operations: Any, config_error: str | None) -> Any:
    return await operations.doctor(config_error=config_error)


def _show(report: Any) -> None:
    from rich.text import Text

    out = console()
    rows = [
        [
            row.test_name,
            row.test_type,
            Text(row.test_status, style=STATUS_STYLE[row.test_status]),
            row.test_duration_ms,
            (row.actual_result or {}).get("detail", ""),
        ]
        for row in report.rows
    ]
    grid = table(f"doctor run {report.run_id}", ["check", "type", "result", "ms", "detail"], rows)
    out.print(grid)
    counts = report.counts()
    line = f"{counts['passed']} passed, {counts['failed']} failed, {counts['skipped']} skipped"
    out.print(line + ("" if report.recorded else f"; {report.note}"), markup=False)


def _show_history(runs: list[dict[str, Any]], as_json: bool) -> None:
    if as_json:
        print_json(runs)
        return
    if not runs:
        print("no doctor run yet; run 'swarmbus doctor'")
        return
    columns = ["run", "when", "by", "environment", "checks", "passed", "failed", "skipped", "ms"]
    keys = ["run_id", "executed_at", "test_agent", "test_environment", "checks"]
    keys += ["passed", "failed", "skipped", "duration_ms"]
    console().print(table("doctor runs", columns, [[r[k] for k in keys] for r in runs]))
