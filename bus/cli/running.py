"""`swarmbus run` (the dispatcher) and `swarmbus status`."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from swarmbus.bus.cli.common import (
    JsonOption,
    console,
    handle_errors,
    print_json,
    run,
    state,
    table,
)


@handle_errors
def run_dispatcher(
    ctx: typer.Context,
    once: Annotated[
        bool,
        typer.Option(
            "--once", help="Deliver everything deliverable (waiting out retries), then exit."
        ),
    ] = False,
    name: Annotated[
        str | None,
        typer.Option(help="This dispatcher's name in the health table (default: messaging@HOST)."),
    ] = None,
    as_json: bool = JsonOption,
) -> None:
    """Run the dispatcher: claim messages and deliver them until stopped (Ctrl+C)."""
    stats = run(_dispatch, state(ctx).swarm(), once, name)
    summary = stats.as_metrics()
    if as_json:
        print_json(summary)
    else:
        print(
            f"delivered {stats.delivered}, dead-lettered {stats.dead_lettered}, "
            f"expired {stats.expired}, failed attempts {stats.failed_attempts}"
        )


async def _dispatch(swarm: Any, once: bool, name: str | None) -> Any:
    from swarmbus.bus import transports
    from swarmbus.bus.api import Bus
    from swarmbus.bus.dispatcher import Dispatcher, DispatcherOptions

    async with await Bus.open(swarm) as bus:
        dispatcher = Dispatcher(
            bus, transports.build(swarm), DispatcherOptions(name=name, handle_signals=True)
        )
        return await dispatcher.run(once=once)


@handle_errors
def status(ctx: typer.Context, as_json: bool = JsonOption) -> None:
    """Agents with their queues, dead letters, and every system's heartbeat."""
    from swarmbus.bus.cli.gui import pause_lines

    report = run(_status, state(ctx).swarm())
    if as_json:
        print_json({**report.as_dict(), "gui_paused": pause_lines()})
        return
    out = console()
    out.print(_agents_table(report))
    out.print(_totals_line(report), markup=False)
    for line in pause_lines():
        out.print(line, markup=False)
    for agent, waiting in report.unrouted.items():
        out.print(
            f"{waiting} messages wait for {agent}, which the config no longer names", markup=False
        )
    if report.systems:
        out.print(_systems_table(report))
    else:
        out.print("systems: none has reported yet (start one with 'swarmbus run')")


def _agents_table(report: Any) -> Any:
    rows = [
        [
            a.name,
            a.transport,
            a.status,
            a.waiting,
            a.queue.get("delivered", 0),
            a.queue.get("failed", 0),
            a.queue.get("expired", 0),
            a.focus or "",
            f"{a.coordination_efficiency:.0f}",
            f"{a.v2_compliance:.0f}",
        ]
        for a in report.agents
    ]
    columns = ["agent", "transport", "state", "waiting", "delivered", "failed", "expired"]
    columns += ["focus", "coord %", "V2 %"]
    return table("agents", columns, rows)


def _totals_line(report: Any) -> str:
    totals = report.totals
    return (
        f"messages: {totals['pending']} pending, {totals['claimed']} in delivery, "
        f"{totals['retrying']} waiting to retry, {totals['delivered']} delivered, "
        f"{report.dead_letters} dead letters, {totals['expired']} expired"
    )


def _systems_table(report: Any) -> Any:
    rows = [
        [
            s.system_id,
            s.host or "",
            ("STALE " if s.stale else "") + s.system_status,
            f"{s.age_seconds:.0f}s ago",
            f"{s.health_score:.0f}",
            s.error_count,
            s.detail,
        ]
        for s in report.systems
    ]
    columns = ["system", "host", "state", "last heartbeat", "health", "errors", "detail"]
    return table("systems", columns, rows)


async def _status(swarm: Any) -> Any:
    from swarmbus.bus.api import Bus
    from swarmbus.bus.status import status_report

    async with await Bus.open(swarm, create=False) as bus:
        return await status_report(bus)
