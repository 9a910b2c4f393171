"""Measure a GUI agent's chat-input point, write it into the config, and check every point.

Coordinates come from calibration, not arithmetic: a window manager's title
bar shifts a window's inside by some 20 pixels, and monitors move. The person
hovers over the chat input, swarmbus reads the pointer and the window under
it, and writes `x`, `y` (and, if asked, `window_title`) into swarmbus.toml,
validating the edited file before replacing the old one.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from swarmbus import errors
from swarmbus.agents import screen
from swarmbus.agents.config import AgentConfig
from swarmbus.agents.config_file import agent_table, edit_config
from swarmbus.agents.targeting import TargetCheck, TargetRefused


@dataclass(frozen=True)
class Reading:
    """Where the pointer was, and what lay under it (None: not readable off X11)."""

    x: int
    y: int
    screen: str | None
    window: str | None


@dataclass(frozen=True)
class CheckLine:
    """One agent's verdict in `swarmbus agents check`."""

    agent: str
    point: tuple[int, int]
    ok: bool
    status: str
    detail: str


def read_pointer(display: Any) -> Reading:
    """The pointer's position and the screen and window there (`display` None: off X11)."""
    if display is None:
        from swarmbus.bus.transports.gui_desk import load_pyautogui

        x, y = load_pyautogui().position()
        return Reading(int(x), int(y), None, None)
    x, y = screen.pointer(display)
    found = screen.screen_at(x, y, screen.screens(display))
    window = screen.window_at(display, x, y)
    return Reading(x, y, str(found) if found else None, window.title if window else "")


def write_point(config_path: Path, name: str, x: int, y: int, title: str | None) -> None:
    """Make `name` a GUI agent at (x, y), with `title` as its window_title when given.

    Nothing is written unless the edited file validates; comments and layout stay.
    """

    def change(document: Any) -> None:
        table = agent_table(document, name)
        if table is None:
            known = ", ".join(str(t.get("name")) for t in document.get("agents", []))
            raise errors.UnknownAgent(f"unknown agent {name!r}; configured agents: {known}")
        table["transport"] = "gui"
        table["x"], table["y"] = x, y
        if title:
            table["window_title"] = title

    edit_config(config_path, change)


def check_agents(display: Any, agents: Iterable[AgentConfig]) -> list[CheckLine]:
    """Check every GUI agent's point (on a screen) and window title (where configured)."""
    return [_check(display, agent) for agent in agents if agent.transport == "gui"]


def _check(display: Any, agent: AgentConfig) -> CheckLine:
    check = TargetCheck(display, agent)
    try:
        check.check_point()
        window = check.window_at_point()
    except TargetRefused as refused:
        return CheckLine(agent.name, check.point, False, check.status, str(refused))
    where = check.coordinates.get("screen", "screen unknown")
    title = f"window {window.title!r}" if window else "no window there"
    if display is None:
        title = "window not checked (X11 only)"
    return CheckLine(agent.name, check.point, True, check.status, f"on {where}, {title}")
