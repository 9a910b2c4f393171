"""Is the agent's chat input really there? The checks made before any key is pressed.

Used by GUI delivery (on its thread, around the click) and by
`swarmbus agents check` (without clicking), through the platform's `Desktop`
backend (X11, Windows or macOS). Each check records what it found in
`coordinates` (stored with the message as `pyautogui_coordinates`) and its
verdict in `status` (`coordinate_validation_status`), and raises
`TargetRefused` when delivery must not go on. A check that could not run
leaves the status `unverified`; it is never reported as passed.
"""

from __future__ import annotations

import time
from typing import Any, Literal

from swarmbus.agents.config import AgentConfig
from swarmbus.agents.desktop.base import Desktop, WindowInfo, layout, screen_at, title_matches

FOCUS_WAIT = 0.5  # seconds for focus to reach the clicked window (a window manager moves it)
FOCUS_POLL = 0.01  # seconds between focus checks
Status = Literal["valid", "off_screen", "title_mismatch", "unverified"]
UNREADABLE_TITLE_HINT = {  # what makes titles readable, per backend
    "macos": " (allow Screen Recording for this program in System Settings, Privacy & Security)",
}


class TargetRefused(Exception):
    """The point or the window is wrong: nothing may be typed there."""


class TargetCheck:
    """The checks for one agent's point on this platform's desktop."""

    def __init__(self, desktop: Desktop, agent: AgentConfig) -> None:
        if agent.x is None or agent.y is None:
            raise ValueError(f"{agent.name} has no chat-input point")
        self.desktop = desktop
        self.agent = agent
        self.point = (agent.x, agent.y)
        self.status: Status = "unverified"
        self.coordinates: dict[str, Any] = {"x": agent.x, "y": agent.y, "agent": agent.name}

    def check_point(self) -> None:
        """Refuse a point that lies on no monitor, or on a fail-safe corner."""
        screens = self.desktop.screens()
        found = screen_at(*self.point, screens)
        if found is not None and self.point in self.desktop.corners():
            self.status = "off_screen"
            raise TargetRefused(
                f"point {self.point} of {self.agent.name} is a screen corner, where clicking "
                "would trip the fail-safe and pause all GUI delivery; calibrate a point inside "
                "the chat input"
            )
        if found is None:
            self.status = "off_screen"
            raise TargetRefused(
                f"point {self.point} of {self.agent.name} is on no screen "
                f"(screens: {layout(screens)}); "
                f"run 'swarmbus agents calibrate {self.agent.name}'"
            )
        self.coordinates["screen"] = str(found)
        self.status = "valid"

    def window_at_point(self) -> WindowInfo | None:
        """The window under the point; refused when its title does not match the config."""
        window = self.desktop.window_at(*self.point)
        self.coordinates["window"] = window.title if window else None
        self.coordinates["process"] = window.process if window else None
        self._match(window, "under the point")
        return window

    def await_focus(self, target: WindowInfo | None) -> None:
        """After the click: wait until `target` has the focus, then check the focused title."""
        if target is None:
            return
        deadline = time.monotonic() + FOCUS_WAIT
        focused = self.desktop.focused_window()
        while (focused is None or focused.window_id != target.window_id) and (
            time.monotonic() < deadline
        ):
            time.sleep(FOCUS_POLL)
            focused = self.desktop.focused_window()
        self._match(focused, "focused after the click")

    def _match(self, window: WindowInfo | None, where: str) -> None:
        expected = self.agent.window_title
        if expected is None:
            return
        if window is not None and window.title is None:
            self.status = "unverified"
            raise TargetRefused(
                f"the title of the window {where} {self.point} ({window.process or 'unknown'}) "
                f"cannot be read here, so {expected!r} cannot be checked; nothing was typed"
                f"{UNREADABLE_TITLE_HINT.get(self.desktop.name, '')}"
            )
        title = window.title if window else ""
        if not title_matches(expected, title or ""):
            self.status = "title_mismatch"
            raise TargetRefused(
                f"the window {where} {self.point} is titled {title!r}, "
                f"expected one containing {expected!r}; nothing was typed"
            )
