"""The desktop's screens as the doctor sees them: from any process, with or without a display.

Geometry comes from `agents.screen` (RandR, Xinerama, root window), the same
code the GUI transport uses. Nothing display-bound is imported at module level,
so a machine without a screen never loads Xlib or pyautogui.
"""

from __future__ import annotations

import gc
import os
import warnings
from collections.abc import Mapping

from swarmbus import errors
from swarmbus.agents import screen
from swarmbus.agents.screen import Rect


def has_display(env: Mapping[str, str] = os.environ) -> bool:
    """Whether there is a display to ask (always on macOS and Windows; $DISPLAY on X11)."""
    return not screen.is_x11() or bool(env.get("DISPLAY"))


def screens(env: Mapping[str, str] = os.environ) -> list[Rect] | None:
    """The display's screens, or None when there is no display at all."""
    if not has_display(env):
        return None
    if not screen.is_x11():
        import pyautogui

        width, height = pyautogui.size()
        return [Rect(0, 0, int(width), int(height))]
    display = _open(env["DISPLAY"])
    try:
        return screen.screens(display)
    finally:
        display.close()


def _open(name: str) -> object:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        try:
            return screen.open_display(name)
        except Exception as exc:  # Xlib raises several unrelated types for an unreachable display
            error = errors.BusError(f"cannot open display {name!r}: {exc}")
            gc.collect()  # Xlib leaves the failed sockets unclosed; finalise them quietly here
    raise error


def on_any(point: tuple[int, int], found: list[Rect]) -> bool:
    """Whether `point` lies on one of the screens."""
    return screen.screen_at(*point, found) is not None
