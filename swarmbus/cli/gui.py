"""GUI commands: `agents calibrate`, `agents check`, `agents test` and `resume`.

Display libraries are imported inside the commands, so `swarmbus --help`
works without a display.
"""

from __future__ import annotations

import sys
import time
from typing import Annotated, Any

import typer

from swarmbus import errors
from swarmbus.cli.common import JsonOption, handle_errors, print_json, run, state
from swarmbus.printable import visible

PROBE_TEXT = "swarmbus probe: if this arrived in {agent}'s chat, GUI delivery works ({time})."


def _gui_agent(swarm: Any, name: str) -> Any:
    agent = swarm.agents.get(name)
    if agent is None:
        known = ", ".join(swarm.agents) or "none"
        raise errors.UnknownAgent(f"unknown agent {name!r}; configured agents: {known}")
    return agent


def _open_desktop() -> Any:
    """This platform's desktop backend; a clear one-line error when there is none to use."""
    from swarmbus.agents import desktop

    problem = desktop.display_problem()
    if problem is not None:
        raise errors.BusError(problem)
    try:
        return desktop.open_desktop()
    except desktop.BackendMissing as exc:
        raise errors.BusError(str(exc)) from None


@handle_errors
def calibrate(  # v2-allow: parameters typer maps each parameter to an option
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="The agent whose chat input you will point at.")],
    seconds: Annotated[int, typer.Option(min=0, max=60, help="Countdown before reading.")] = 5,
    title: Annotated[
        bool,
        typer.Option(
            help="Also write the window title found there as window_title (trim it to a "
            "stable part, like 'Cursor', if it names a file)."
        ),
    ] = True,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Write without asking.")] = False,
) -> None:
    """Hover over an agent's chat input; swarmbus reads the point and writes it into the config."""
    from swarmbus.agents import calibration

    swarm = state(ctx).swarm()
    _gui_agent(swarm, name)
    reading = _read_after_countdown(name, seconds)
    print(f"{name}: point ({reading.x}, {reading.y}), screen {reading.screen or 'none'}")
    print(_describe_window(reading.window))
    if not yes and not typer.confirm(f"write this into {swarm.path}?"):
        raise typer.Exit(1)
    window_title = reading.window.title if title and reading.window else None
    calibration.write_point(swarm.path, name, reading.x, reading.y, window_title)
    extra = f", window_title = {window_title!r}" if window_title else ""
    print(f"wrote x = {reading.x}, y = {reading.y}{extra} for {name} into {swarm.path}")


def _describe_window(window: Any) -> str:
    if window is None:
        return "window there: none (bare desktop)"
    if window.title is None:
        return f"window there: {window.describe()}: no window_title written"
    return f"window there: {window.describe()}"


def _read_after_countdown(name: str, seconds: int) -> Any:
    from swarmbus.agents import calibration

    desktop = _open_desktop()
    try:
        for left in range(seconds, 0, -1):
            print(f"move the mouse onto {name}'s chat input: reading in {left} s", file=sys.stderr)
            time.sleep(1)
        return calibration.read_pointer(desktop)
    finally:
        desktop.close()


@handle_errors
def check(ctx: typer.Context, as_json: bool = JsonOption) -> None:
    """Check every GUI agent: its point is on a screen and its window title matches."""
    from swarmbus.agents import calibration

    swarm = state(ctx).swarm()
    if not any(agent.transport == "gui" for agent in swarm.config.agents):
        print("no GUI agents configured")
        return
    desktop = _open_desktop()
    try:
        lines = calibration.check_agents(desktop, swarm.config.agents)
    finally:
        desktop.close()
    if as_json:
        print_json([line.__dict__ for line in lines])
    for line in [] if as_json else lines:
        verdict = "ok  " if line.ok else "FAIL"
        detail = visible(line.detail)  # may quote a window title, which any program sets
        print(f"{verdict} {line.agent:<12} {line.point!s:<14} {line.status:<15} {detail}")
    if not all(line.ok for line in lines):
        raise typer.Exit(1)


@handle_errors
def probe(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="The GUI agent to send a probe to.")],
    text: Annotated[str | None, typer.Option(help="The probe's text.")] = None,
) -> None:
    """Deliver a short probe message to an agent through the real GUI transport."""
    from swarmbus.bus.requests import check_content
    from swarmbus.model import timefmt

    swarm = state(ctx).swarm()
    agent = _gui_agent(swarm, name)
    if agent.transport != "gui":
        raise errors.UsageError(f"{name} uses the {agent.transport} transport; probes are GUI-only")
    if text is not None:  # pasted like a message, so held to a message's limits
        check_content(text, swarm.config.bus.max_message_bytes)
    body = text or PROBE_TEXT.format(agent=name, time=timefmt.now_text())
    result, elapsed_ms = run(_probe, agent, body)
    if not result.ok:
        raise errors.BusError(f"probe to {name} failed: {result.error}")
    print(
        f"delivered a probe to {name} in {elapsed_ms} ms "
        f"({result.method}, point {result.coordinate_status})"
    )


async def _probe(agent: Any, body: str) -> tuple[Any, int]:
    from swarmbus.bus.transports.base import DeliveryRequest, TransportPaused
    from swarmbus.bus.transports.gui import GuiTransport, probe_message

    transport = GuiTransport()
    try:
        reason = transport.unavailable_reason()
        if reason is not None:
            raise errors.BusError(f"GUI delivery is unavailable: {reason}")
        started = time.perf_counter()
        result = await transport.deliver(DeliveryRequest(probe_message(agent.name, body), agent))
        return result, round((time.perf_counter() - started) * 1000)
    except TransportPaused as paused:
        raise errors.BusError(f"GUI delivery {paused.reason}") from None
    finally:
        await transport.aclose()


@handle_errors
def resume(ctx: typer.Context) -> None:
    """Resume GUI delivery after the fail-safe paused it (mouse flung into a corner)."""
    from swarmbus.bus.operations import Operations

    config_error = None
    try:
        operations = state(ctx).operations()
    except errors.ConfigError as exc:  # the pauses are cleared all the same
        operations, config_error = Operations(None), exc
    resumed = run(operations.resume)
    for pause in resumed.cleared:
        print(f"resumed GUI delivery on {pause.screen} (it was {pause.describe().split(';')[0]})")
    if not resumed.cleared:
        print("GUI delivery was not paused")
    if config_error is not None:
        print(
            f"dispatchers were not woken ({config_error}); they resume with the next message sent"
        )
    elif not resumed.woke:
        print(f"dispatchers were not woken ({resumed.problem})")
    else:
        print("woke the dispatchers of this swarm")


def pause_lines() -> list[str]:
    """One line per paused screen, for `swarmbus status`."""
    from swarmbus.bus.transports.screen_state import all_markers

    pauses = [pause for marker in all_markers() if (pause := marker.read()) is not None]
    return [f"GUI delivery on {pause.screen} is {pause.describe()}" for pause in pauses]
