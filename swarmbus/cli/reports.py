"""`swarmbus agents report NAME --status STATUS`: an agent reports its own state."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from swarmbus.cli.common import JsonOption, handle_errors, print_json, run, state

NameArgument = Annotated[str, typer.Argument(help="The reporting agent.")]
StatusOption = Annotated[
    str, typer.Option("--status", "-s", help="idle, busy, blocked or offline.")
]
FocusOption = Annotated[
    str | None, typer.Option("--focus", help="What it works on now ('' clears it).")
]
CycleOption = Annotated[bool, typer.Option("--cycle", help="It finished a work cycle.")]
TaskDoneOption = Annotated[bool, typer.Option("--task-done", help="It completed a task.")]


@handle_errors
def report(  # v2-allow: parameters typer maps each parameter to a command-line option
    ctx: typer.Context,
    name: NameArgument,
    status: StatusOption,
    focus: FocusOption = None,
    cycle: CycleOption = False,
    task_done: TaskDoneOption = False,
    as_json: bool = JsonOption,
) -> None:
    """Update the agent's row: status, focus, cycles, tasks, coordination efficiency."""
    from swarmbus.agents.reports import check_report
    from swarmbus.model.workspaces import Report

    swarm = state(ctx).swarm()
    checked = check_report(swarm, Report(name, status, focus, cycle, task_done))  # type: ignore[arg-type]
    row = run(_submit, swarm, checked)  # checked first: a refused report creates no database
    if as_json:
        print_json(row.model_dump(mode="json"))
        return
    print(
        f"{row.agent_id}: {row.status}, focus {row.current_focus or '-'}, "
        f"{row.cycle_count} cycles, {row.tasks_completed} tasks, "
        f"coordination {row.coordination_efficiency:.0f}%, V2 {row.v2_compliance:.0f}%"
    )


async def _submit(swarm: Any, report: Any) -> Any:
    from swarmbus.bus.api import Bus

    async with await Bus.open(swarm) as bus:
        return await bus.report(
            report.agent_id, report.status, report.focus, report.cycle, report.task_done
        )
