"""`swarmbus audit PATH` and `swarmbus audit summary`: the V2 compliance auditor."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from swarmbus import errors
from swarmbus.cli.common import JsonOption, console, handle_errors, print_json, run, state, table
from swarmbus.printable import visible

PROGRESS_FROM = 100  # files; smaller trees finish before a bar would be worth drawing


PathArgument = Annotated[
    str,
    typer.Argument(help="A file or folder to audit, or 'summary' for the latest run's summary."),
]
AgentOption = Annotated[
    str | None,
    typer.Option(help="Whose code this is: their v2_compliance becomes the run's average."),
]
FailUnderOption = Annotated[
    float | None,
    typer.Option(
        help="Exit 1 when the average score (of this run, or with 'summary' of the latest "
        "run) is below this (0-100).",
        min=0,
        max=100,
    ),
]
AuditorOption = Annotated[str, typer.Option(help="Recorded as auditor_agent.")]


@handle_errors
def audit(  # v2-allow: parameters typer maps each parameter to a command-line option
    ctx: typer.Context,
    path: PathArgument,
    agent: AgentOption = None,
    fail_under: FailUnderOption = None,
    auditor: AuditorOption = "swarmbus",
    as_json: bool = JsonOption,
) -> None:
    """Audit a codebase against the V2 size rules and store one row per file."""
    _check_options(fail_under, auditor)
    swarm = state(ctx).swarm()
    if path == "summary":
        summary = run(_summary, swarm)
        _show_summary(summary, as_json)
        if fail_under is not None:
            _hold_to(summary.get("average_score"), fail_under, "the latest run's")
        return
    from swarmbus.agents.auditor.runner import AuditRequest

    request = AuditRequest(Path(path), swarm.config.audit, auditor, agent)
    report = run(_audit, swarm, request, not as_json and sys.stderr.isatty())
    summary = report.summary()
    if as_json:
        print_json({**summary, "rows": [row.model_dump(mode="json") for row in report.rows]})
    else:
        _show_report(report, summary)
    if fail_under is not None:
        _hold_to(summary["average_score"], fail_under, "this run's")


def _check_options(fail_under: float | None, auditor: str) -> None:
    """What click's range check lets through: NaN; and an auditor name of any size."""
    from swarmbus.bus.requests import SENDER_RULE, is_valid_sender

    if fail_under is not None and not 0 <= fail_under <= 100:
        raise errors.UsageError(
            f"--fail-under {fail_under:g} is not allowed; use a number from 0 to 100"
        )
    if not is_valid_sender(auditor):
        raise errors.UsageError(f"--auditor {auditor!r} is not allowed; names are {SENDER_RULE}")


def _hold_to(average: float | None, fail_under: float, whose: str) -> None:
    if average is None:
        raise errors.BusError("no audit has run yet, so none can meet --fail-under")
    if average < fail_under:
        raise errors.BusError(
            f"{whose} average score {average:g} is under --fail-under {fail_under:g}"
        )


async def _audit(swarm: Any, request: Any, show_progress: bool) -> Any:
    from swarmbus.agents.auditor import files
    from swarmbus.bus.api import Bus
    from swarmbus.bus.audits import Audits

    async with await Bus.open(swarm) as bus:
        if not show_progress:
            return await Audits(bus).run(request)
        from rich.progress import Progress

        total = len(files.discover(request.root, request.rules))
        with Progress(transient=True, disable=total < PROGRESS_FROM) as bar:
            task = bar.add_task("auditing", total=total)
            return await Audits(bus).run(request, lambda n: bar.advance(task, n))


async def _summary(swarm: Any) -> dict[str, Any]:
    from swarmbus.bus.api import Bus
    from swarmbus.bus.audits import Audits

    async with await Bus.open(swarm, create=False) as bus:
        return await Audits(bus).summary()


def _show_report(report: Any, summary: dict[str, Any]) -> None:
    out = console()
    worst = report.worst(15)
    if worst:
        columns = ["component", "type", "score", "violations", "priority", "cycles", "first step"]
        out.print(
            table(
                "worst components",
                columns,
                [
                    [
                        row.component_name,
                        row.component_type,
                        f"{row.compliance_score:.0f}",
                        row.violations_found,
                        row.refactoring_priority,
                        row.estimated_refactoring_cycles,
                        _first_step(row.refactoring_plan),
                    ]
                    for row in worst
                ],
            )
        )
    out.print(_summary_line(summary), markup=False)
    for skipped in summary["skipped"]:
        out.print(f"skipped {visible(skipped['file'])}: {skipped['reason']}", markup=False)


def _summary_line(summary: dict[str, Any]) -> str:
    return (
        f"run {summary['run_id']}: {summary['components']} components "
        f"({summary['files']} files), average score {summary['average_score']}, "
        f"{summary['total_violations']} violations, {summary['needing_refactoring']} need "
        f"refactoring ({summary['high_priority']} high priority)"
    )


def _first_step(plan: dict[str, Any] | None) -> str:
    steps = (plan or {}).get("steps") or []
    if not steps:
        return ""
    step = steps[0]
    target = ", ".join(step.get("symbols", [])) or step.get("symbol", "")
    return f"{step['action']} {target}".strip()


def _show_summary(summary: dict[str, Any], as_json: bool) -> None:
    if as_json:
        print_json(summary)
        return
    if not summary.get("runs", 1):
        print("no audit has run yet; run 'swarmbus audit PATH'")
        return
    print(
        f"latest run {summary['run_id']} ({summary['audited_at']}): "
        f"average score {summary['average_score']}, {summary['violations']} violations, "
        f"{summary['needing_refactoring']} of {summary['components']} components need "
        f"refactoring, {summary['high_priority']} high priority"
    )
    trend = summary.get("trend")
    if trend:
        print(
            f"since the previous run: score {trend['average_score']:+}, "
            f"violations {trend['violations']:+}, "
            f"needing refactoring {trend['needing_refactoring']:+}"
        )
