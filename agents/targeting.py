"""Is the agent's chat input really there? The checks made before any key is pressed.

Used by GUI delivery (on its thread, around the click) and by
`swarmbus agents check` (without clicking). Each check records what it found
in `coordinates` (stored with the message as `pyautogui_coordinates`) and its
verdict in `status` (`coordinate_validation_status`), and raises
`TargetRefused` when delivery must not go on.
"""

from __future__ import annotations

import logging
import time
from typing import Any, Literal

from swarmbus.agents import screen
from swarmbus.agents.config import AgentConfig
from swarmbus.agents.screen import WindowInfo

logger = logging.getLogger(__name__)

FOCUS_WAIT = 0.5  # seconds for focus to reach the clicked window (a window manager moves it)
FOCUS_POLL = 0.01  # seconds between focus checks
Status = Literal["valid", "off_screen", "title_mismatch", "unverified"]
_title_check_reported = False


class TargetRefused(Exception):
    """The point or the window is wrong: nothing may be typed there."""


class TargetCheck:
    """The checks for one agent's point; `display` is None where there is no X server."""

    def __init__(self, display: Any, agent: AgentConfig) -> None:
        if agent.x is None or agent.y is None:
            raise ValueError(f"{agent.name} has no chat-input point")
        self.display = display
        self.agent = agent
        self.point = (agent.x, agent.y)
        self.status: Status = "unverified"
        self.coordinates: dict[str, Any] = {"x": agent.x, "y": agent.y, "agent": agent.name}

    def check_point(self) -> None:
        """Refuse a point that lies on no connected screen (X11; elsewhere it stays unverified)."""
        if self.display is None:
            return
        screens = screen.screens(self.display)
        found = screen.screen_at(*self.point, screens)
        if found is not None and self.point in screen.corners(self.display):
            self.status = "off_screen"
            raise TargetRefused(
                f"point {self.point} of {self.agent.name} is a screen corner, where clicking "
                "would trip the fail-safe and pause all GUI delivery; calibrate a point inside "
                "the chat input"
            )
        if found is None:
            self.status = "off_screen"
            layout = ", ".join(str(s) for s in screens)
            raise TargetRefused(
                f"point {self.point} of {self.agent.name} is on no screen (screens: {layout}); "
                f"run 'swarmbus agents calibrate {self.agent.name}'"
            )
        self.coordinates["screen"] = str(found)
        self.status = "valid"

    def window_at_point(self) -> WindowInfo | None:
        """The window under the point; refused when its title does not match the config."""
        if self.display is None:
            _report_unsupported(self.agent)
            return None
        window = screen.window_at(self.display, *self.point)
        self.coordinates["window"] = window.title if window else None
        self._match(window, "under the point")
        return window

    def await_focus(self, target: WindowInfo | None) -> None:
        """After the click: wait until `target` has the focus, then check the focused title."""
        if self.display is None or target is None:
            return
        deadline = time.monotonic() + FOCUS_WAIT
        focused = screen.focused_window(self.display)
        while (focused is None or focused.window_id != target.window_id) and (
            time.monotonic() < deadline
        ):
            time.sleep(FOCUS_POLL)
            focused = screen.focused_window(self.display)
        self._match(focused, "focused after the click")

    def _match(self, window: WindowInfo | None, where: str) -> None:
        expected = self.agent.window_title
        if expected is None:
            return
        title = window.title if window else ""
        if not screen.title_matches(expected, title):
            self.status = "title_mismatch"
            raise TargetRefused(
                f"the window {where} {self.point} is titled {title!r}, "
                f"expected one containing {expected!r}; nothing was typed"
            )


def _report_unsupported(agent: AgentConfig) -> None:
    """Off X11 window titles cannot be read: say so once per process, not per message."""
    global _title_check_reported
    if agent.window_title is not None and not _title_check_reported:
        _title_check_reported = True
        logger.warning(
            "window titles are checked only on X11; %s's window_title is unsupported here",
            agent.name,
            extra={"action": "title_check_unsupported"},
        )
