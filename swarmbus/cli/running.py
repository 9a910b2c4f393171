"""`swarmbus run` (the dispatcher) and `swarmbus status`.

A dispatcher whose database cannot be written (a full disk, a read-only
file) retries its claims, warning each time; `--once` gives up after
`--give-up-after`, and either way a run that ends while the database fails
exits 1 with one line saying so: messages may still wait.
"""

from __future__ import annotations

import logging
import time
from datetime import timedelta
from typing import Annotated, Any

import anyio
import typer

from swarmbus import errors
from swarmbus.cli.common import JsonOption, console, handle_errors, print_json, run, state, table
from swarmbus.cli.params import parse_duration

GIVE_UP_LONGEST = timedelta(hours=1)
# Warnings a failing database repeats every few seconds; --once sums them up in its last line.
DATABASE_RETRY_ACTIONS = frozenset(
    {"claim_failed", "heartbeat_failed", "monitor_failed", "sweep_failed", "lane_failed"}
    | {"storage_retry", "listen_retry"}
)
OnceOption = Annotated[
    bool,
    typer.Option("--once", help="Deliver everything deliverable (waiting out retries), then exit."),
]
NameOption = Annotated[
    str | None,
    typer.Option(
        help="This dispatcher's row in the health table (default: messaging@HOST, or "
        "messaging@HOST#2, #3… while that one runs)."
    ),
]
GiveUpOption = Annotated[
    str,
    typer.Option(
        "--give-up-after",
        help="With --once: exit 1 once the database has failed for this long (up to 1h).",
    ),
]


@handle_errors
def run_dispatcher(  # v2-allow: parameters typer maps each parameter to a command-line option
    ctx: typer.Context,
    once: OnceOption = False,
    name: NameOption = None,
    give_up_after: GiveUpOption = "30s",
    as_json: bool = JsonOption,
) -> None:
    """Run the dispatcher: claim messages and deliver them until stopped (Ctrl+C)."""
    from swarmbus.bus.naming import check_name

    limit = parse_duration(give_up_after, what="--give-up-after", maximum=GIVE_UP_LONGEST)
    if name is not None:
        check_name(name)
    if once and not state(ctx).verbose:
        _quiet_database_retries()
    stats, problem = run(_dispatch, state(ctx).swarm(), once, name, limit.total_seconds())
    if as_json:
        print_json(stats.as_metrics())
    else:
        print(
            f"delivered {stats.delivered}, dead-lettered {stats.dead_lettered}, "
            f"expired {stats.expired}, failed attempts {stats.failed_attempts}"
        )
    if problem is not None:
        raise errors.BusError(problem)


def _quiet_database_retries() -> None:
    """Drop the repeated database warnings from stderr (--verbose keeps them)."""

    def keep(record: logging.LogRecord) -> bool:
        return getattr(record, "action", None) not in DATABASE_RETRY_ACTIONS

    for handler in logging.getLogger("swarmbus").handlers:
        handler.addFilter(keep)


async def _dispatch(
    swarm: Any, once: bool, name: str | None, give_up: float
) -> tuple[Any, str | None]:
    """Run one dispatcher; return its counters and what went wrong (None: nothing)."""
    from swarmbus.bus import transports
    from swarmbus.bus.api import Bus
    from swarmbus.bus.dispatcher import Dispatcher, DispatcherOptions
    from swarmbus.bus.naming import dispatcher_name

    async with await Bus.open(swarm) as bus:
        chosen = await dispatcher_name(bus, name)
        options = DispatcherOptions(name=chosen, handle_signals=True)
        built = transports.build(swarm)
        await transports.prepare(built)
        dispatcher = Dispatcher(bus, built, options)
        gave_up = anyio.Event()
        async with anyio.create_task_group() as watch:
            if once:
                watch.start_soon(_give_up_when_failing, dispatcher, give_up, gave_up)
            stats = await dispatcher.run(once=once)
            watch.cancel_scope.cancel()
        return stats, _problem(dispatcher, bus.location, give_up if gave_up.is_set() else None)


async def _give_up_when_failing(dispatcher: Any, after: float, gave_up: anyio.Event) -> None:
    """Stop the dispatcher once its claims have failed for `after` seconds in a row."""
    while True:  # a poll: failing is a state that lasts, not an event to wait for
        await anyio.sleep(min(0.25, after / 4))
        since = dispatcher.failing_since
        if since is not None and time.monotonic() - since >= after:
            gave_up.set()
            dispatcher.stop()
            return


def _problem(dispatcher: Any, location: str, gave_up_after: float | None) -> str | None:
    """The one line a run that ended on a failing database exits with."""
    error = dispatcher.last_claim_error or "see the warnings above"
    if gave_up_after is not None:
        return (
            f"gave up after {gave_up_after:g} s: the database {location} kept failing "
            f"({error}); undelivered messages wait in it"
        )
    if dispatcher.failing_since is not None or dispatcher.ctx.db_error:
        return (
            f"stopped while the database {location} was failing ({error}); "
            f"undelivered messages may wait in it"
        )
    return None


@handle_errors
def status(ctx: typer.Context, as_json: bool = JsonOption) -> None:
    """Agents with their queues, dead letters, and every system's heartbeat."""
    from swarmbus.cli.gui import pause_lines

    report = run(_status, state(ctx).swarm())
    if as_json:
        print_json({**report.as_dict(), "gui_paused": pause_lines()})
        return
    out = console()
    out.print(_agents_table(report))
    out.print(_totals_line(report), markup=False)
    if report.reservations.get("live"):
        out.print(
            f"file reservations: {report.reservations['live']} live, "
            f"{report.reservations['exclusive']} of them exclusive ('swarmbus reservations')",
            markup=False,
        )
    for line in pause_lines():
        out.print(line, markup=False)
    for agent, waiting in report.unrouted.items():
        out.print(
            f"{waiting} messages wait for {agent}, which the config no longer names", markup=False
        )
    if report.systems:
        out.print(_systems_table(report))
    elif not report.stopped_long_ago:
        out.print("systems: none has reported yet (start one with 'swarmbus run')")
    if report.stopped_long_ago:
        out.print(f"({report.stopped_long_ago} systems stopped over a day ago are not shown)")


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
            a.overdue_acks,
            f"{a.coordination_efficiency:.0f}",
            f"{a.v2_compliance:.0f}",
        ]
        for a in report.agents
    ]
    columns = ["agent", "transport", "state", "waiting", "delivered", "failed", "expired"]
    columns += ["focus", "acks overdue", "coord %", "V2 %"]
    return table("agents", columns, rows)


def _totals_line(report: Any) -> str:
    totals = report.totals
    return (
        f"messages: {totals['pending']} pending, {totals['claimed']} in delivery, "
        f"{totals['retrying']} waiting to retry, {totals['delivered']} delivered, "
        f"{report.dead_letters} dead letters, {totals['expired']} expired, "
        f"{report.overdue_acks} acks overdue ('swarmbus messages --overdue')"
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

    async with await Bus.open(swarm, create=False) as bus:
        return await bus.status()
