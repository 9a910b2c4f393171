"""Measure a GUI agent's chat-input point, write it into the config, and check every point.

Coordinates come from calibration, not arithmetic: a window manager's title
bar shifts a window's inside by some 20 pixels, and monitors move. The person
hovers over the chat input, swarmbus reads the pointer and the window under
it through the platform's `Desktop` backend (X11, Windows, macOS), and writes
`x`, `y` (and, if asked, `window_title`) into swarmbus.toml, validating the
edited file before replacing the old one.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from swarmbus import errors
from swarmbus.agents.config import AgentConfig
from swarmbus.agents.config_file import agent_table, edit_config
from swarmbus.agents.desktop.base import Desktop, WindowInfo, screen_at
from swarmbus.agents.targeting import TargetCheck, TargetRefused


@dataclass(frozen=True)
class Reading:
    """Where the pointer was, on which monitor (None: on none), and the window there."""

    x: int
    y: int
    screen: str | None
    window: WindowInfo | None  # None: the bare desktop


@dataclass(frozen=True)
class CheckLine:
    """One agent's verdict in `swarmbus agents check`."""

    agent: str
    point: tuple[int, int]
    ok: bool
    status: str
    detail: str


def read_pointer(desktop: Desktop) -> Reading:
    """The pointer's position and the monitor and window there."""
    x, y = desktop.pointer()
    found = screen_at(x, y, desktop.screens())
    return Reading(x, y, str(found) if found else None, desktop.window_at(x, y))


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


def check_agents(desktop: Desktop, agents: Iterable[AgentConfig]) -> list[CheckLine]:
    """Check every GUI agent's point (on a screen) and window title (where configured)."""
    return [_check(desktop, agent) for agent in agents if agent.transport == "gui"]


def _check(desktop: Desktop, agent: AgentConfig) -> CheckLine:
    check = TargetCheck(desktop, agent)
    try:
        check.check_point()
        window = check.window_at_point()
    except TargetRefused as refused:
        return CheckLine(agent.name, check.point, False, check.status, str(refused))
    where = check.coordinates.get("screen", "screen unknown")
    title = f"window {window.describe()}" if window else "no window there"
    return CheckLine(agent.name, check.point, True, check.status, f"on {where}, {title}")
