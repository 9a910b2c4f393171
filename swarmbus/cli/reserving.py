"""File reservations: `swarmbus reserve`, `renew`, `release`, `force-release`, `reservations`.

The project is the git repository around the current folder (its main
working tree, shared by every worktree; `--project PATH` names another), and
patterns are relative to its root. The agent is `--as` or `$SWARMBUS_AGENT`,
and must be configured. Everything a user typed is checked before the
database is opened.
"""

from __future__ import annotations

import functools
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any

import typer

from swarmbus import errors
from swarmbus.cli.common import JsonOption, console, handle_errors, print_json, run, state, table
from swarmbus.cli.params import parse_duration

AGENT_ENV = "SWARMBUS_AGENT"
PatternsArgument = Annotated[
    list[str], typer.Argument(help="Paths or globs relative to the repository root (src/**).")
]
SomePatterns = Annotated[
    list[str] | None, typer.Argument(help="Patterns you hold (default: all of them).")
]
AsOption = Annotated[
    str | None,
    typer.Option("--as", envvar=AGENT_ENV, help="The agent (default: $SWARMBUS_AGENT)."),
]
ProjectOption = Annotated[
    str | None,
    typer.Option("--project", help="The repository's root (default: the one around you)."),
]
TtlOption = Annotated[str, typer.Option("--ttl", help="How long it lasts: 1m to 24h (30m, 2h).")]
ReasonOption = Annotated[str, typer.Option("--reason", help="Why, in one line (others see it).")]


@handle_errors
def reserve(  # v2-allow: parameters typer maps each parameter to a command-line option
    ctx: typer.Context,
    patterns: PatternsArgument,
    ttl: TtlOption = "1h",
    shared: Annotated[bool, typer.Option("--shared", help="Others may work there too.")] = False,
    reason: ReasonOption = "",
    force: Annotated[bool, typer.Option("--force", help="Allow reserving everything.")] = False,
    agent: AsOption = None,
    project: ProjectOption = None,
    as_json: bool = JsonOption,
) -> None:
    """Reserve paths you are editing; exit 1 if any was refused for a conflict."""
    from swarmbus.bus import reservation_rules as rules

    swarm, holder, checkout = _context(ctx, agent, project)
    options = {"ttl": _ttl(ttl), "exclusive": not shared, "reason": rules.check_reason(reason)}
    rules.normalize_patterns(patterns, checkout.worktree, force=force)  # before any opening
    options |= {"force": force, "worktree": str(checkout.worktree)}
    call = functools.partial(_call, **options)
    grant = run(call, swarm, True, "reserve", holder, patterns, checkout.project)
    if as_json:
        print_json(_grant_json(checkout.project, grant))
    else:
        _show_grant(grant)
    if grant.conflicts:
        raise typer.Exit(1)


@handle_errors
def renew(  # v2-allow: parameters typer maps each parameter to a command-line option
    ctx: typer.Context,
    patterns: SomePatterns = None,
    ttl: TtlOption = "1h",
    agent: AsOption = None,
    project: ProjectOption = None,
    as_json: bool = JsonOption,
) -> None:
    """Extend your live reservations (all, or those named) to --ttl from now."""
    swarm, holder, checkout = _context(ctx, agent, project)
    renewed = run(
        _call, swarm, False, "renew", holder, checkout.project, _ttl(ttl), patterns or None
    )
    _show_rows(renewed, as_json, f"renewed {len(renewed)} reservations of {holder}")


@handle_errors
def release(
    ctx: typer.Context,
    patterns: SomePatterns = None,
    agent: AsOption = None,
    project: ProjectOption = None,
    as_json: bool = JsonOption,
) -> None:
    """Release your reservations (all, or those named)."""
    swarm, holder, checkout = _context(ctx, agent, project)
    released = run(_call, swarm, False, "release", holder, checkout.project, patterns or None)
    _show_rows(released, as_json, f"released {len(released)} reservations of {holder}")


@handle_errors
def force_release(
    ctx: typer.Context,
    reservation_id: Annotated[str, typer.Argument(help="The reservation's id.")],
    reason: Annotated[str, typer.Option("--reason", help="Why (the holder is told).")],
    by: Annotated[
        str, typer.Option("--as", envvar=AGENT_ENV, help="Who releases it (default: person).")
    ] = "person",
    as_json: bool = JsonOption,
) -> None:
    """Release anyone's reservation; who and why are recorded, and the holder is told."""
    from swarmbus.bus import requests
    from swarmbus.bus import reservation_rules as rules

    swarm = state(ctx).swarm()
    requests.check_sender(by, swarm.agents, _label(ctx, "by", "--as"))
    if not rules.check_reason(reason, "--reason"):
        raise errors.UsageError("--reason is empty; say why the holder loses the reservation")
    released = run(_call, swarm, False, "force_release", reservation_id, reason, by)
    _show_rows([released], as_json, f"released {released.reservation_id} of {released.agent_id}")


@handle_errors
def reservations(
    ctx: typer.Context,
    agent: Annotated[str | None, typer.Option("--agent", help="Only this agent's.")] = None,
    path: Annotated[
        str | None, typer.Option("--path", help="Only those covering this path of the project.")
    ] = None,
    project: Annotated[
        str | None, typer.Option("--project", help="Only this repository's.")
    ] = None,
    as_json: bool = JsonOption,
) -> None:
    """Who holds what: live reservations, expiring soonest first."""
    swarm = state(ctx).swarm()
    if agent is not None:
        swarm.agent(agent)
    root = _scope(path, project)
    found = run(_call, swarm, False, "reservations", root, agent, path)
    if as_json:
        print_json([r.model_dump(mode="json") for r in found])
        return
    if not found:
        print("no live reservations")
        return
    console().print(reservations_table(found))


def _scope(path: str | None, project: str | None) -> str | None:
    """The project to list: --project, or the repository around you when --path needs one."""
    from swarmbus.bus.projects import locate

    if project is None and path is None:
        return None
    return locate(Path.cwd(), project).project


def _context(ctx: typer.Context, agent: str | None, project: str | None) -> tuple[Any, str, Any]:
    """The swarm, the configured agent acting, and the checkout it acts in."""
    from swarmbus.bus.projects import locate

    swarm = state(ctx).swarm()
    label = _label(ctx, "agent", "--as")
    if not agent:
        raise errors.UsageError(f"say which agent you are: --as AGENT, or set ${AGENT_ENV}")
    if agent not in swarm.agents:
        raise errors.UnknownAgent(
            f"{label} {agent!r} is not a configured agent; configured agents: "
            f"{', '.join(swarm.agents) or 'none'}"
        )
    return swarm, agent, locate(Path.cwd(), project)


def _label(ctx: typer.Context, parameter: str, option: str) -> str:
    source = ctx.get_parameter_source(parameter)
    return f"${AGENT_ENV}" if source is not None and source.name == "ENVIRONMENT" else option


def _ttl(text: str) -> float:
    span = parse_duration(
        text, what="--ttl", minimum=timedelta(minutes=1), maximum=timedelta(hours=24)
    )
    return span.total_seconds()


async def _call(swarm: Any, create: bool, method: str, *args: Any, **options: Any) -> Any:
    """`bus.method(*args, **options)` on the swarm's bus (`create`: may make the database)."""
    from swarmbus.bus.api import Bus

    async with await Bus.open(swarm, create=create) as bus:
        return await getattr(bus, method)(*args, **options)


def _grant_json(project: str, grant: Any) -> dict[str, Any]:
    return {
        "project": project,
        "granted": [r.model_dump(mode="json") for r in grant.granted],
        "conflicts": [
            {"pattern": c.pattern, "held": c.held.model_dump(mode="json")} for c in grant.conflicts
        ],
        "notified": grant.notified,
    }


def _show_grant(grant: Any) -> None:
    for held in grant.granted:
        print(f"reserved {held.pattern} ({held.kind}) until {_until(held)}  {held.reservation_id}")
    for conflict in grant.conflicts:
        held = conflict.held
        why = f': "{held.reason}"' if held.reason else ""
        print(
            f"refused  {conflict.pattern}: {held.agent_id} holds {held.pattern} ({held.kind}) "
            f"until {_until(held)}{why}"
        )
    for agent in grant.notified:
        print(f"told {agent}, whose shared reservation is beside yours")


def _show_rows(rows: list[Any], as_json: bool, summary: str) -> None:
    if as_json:
        print_json([r.model_dump(mode="json") for r in rows])
        return
    print(summary)
    for held in rows:
        print(f"  {held.pattern} ({held.kind}) until {_until(held)}  {held.reservation_id}")


def reservations_table(found: list[Any]) -> Any:
    """Live reservations as a table, soonest expiry first."""
    rows = [
        [r.reservation_id, r.agent_id, r.pattern, r.kind, _until(r), r.reason, r.project]
        for r in found
    ]
    columns = ["id", "agent", "pattern", "kind", "until", "reason", "project"]
    return table("reservations", columns, rows)


def _until(held: Any) -> str:
    minutes = max(0, round(held.live_seconds / 60))
    left = f"{minutes} min" if minutes < 120 else f"{minutes / 60:.1f} h"
    return f"{held.expires_at:%H:%M:%S} UTC (in {left})"
