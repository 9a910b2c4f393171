"""Which screens the desktop has, for the doctor's check of GUI agents' points.

A stand-in until the GUI delivery branch lands `agents/screen.py` with the
transport's own screen geometry: then `screens()` becomes a call into it and
this module goes. Nothing display-bound (Xlib, pyautogui) is imported at
module level, so a machine without a screen never loads it.
"""

from __future__ import annotations

import gc
import os
import sys
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from swarmbus import errors


@dataclass(frozen=True)
class Screen:
    """One monitor's rectangle in desktop coordinates."""

    x: int
    y: int
    width: int
    height: int

    def contains(self, x: int, y: int) -> bool:
        return self.x <= x < self.x + self.width and self.y <= y < self.y + self.height


def has_display(env: Mapping[str, str] = os.environ) -> bool:
    """Whether there is a display to ask (always on macOS and Windows; $DISPLAY on X11)."""
    return sys.platform in ("darwin", "win32") or bool(env.get("DISPLAY"))


def screens(env: Mapping[str, str] = os.environ) -> list[Screen] | None:
    """The display's screens, or None when there is no display at all."""
    if not has_display(env):
        return None
    if sys.platform in ("darwin", "win32"):
        import pyautogui

        width, height = pyautogui.size()
        return [Screen(0, 0, int(width), int(height))]
    return _x11_screens(env["DISPLAY"])


def _x11_screens(name: str) -> list[Screen]:
    """Xinerama's monitors when the server has the extension, else the root window."""
    conn = _open_x11(name)
    try:
        if conn.has_extension("XINERAMA"):
            found = conn.xinerama_query_screens().screens
            if found:
                return [Screen(s.x, s.y, s.width, s.height) for s in found]
        root = conn.screen()
        return [Screen(0, 0, root.width_in_pixels, root.height_in_pixels)]
    finally:
        conn.close()


def _open_x11(name: str) -> Any:
    from Xlib import display as xdisplay

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        try:
            return xdisplay.Display(name)
        except Exception as exc:  # Xlib raises several unrelated types for an unreachable display
            error = errors.BusError(f"cannot open display {name!r}: {exc}")
            gc.collect()  # Xlib leaves the failed sockets unclosed; finalise them quietly here
    raise error


def on_any(point: tuple[int, int], found: list[Screen]) -> bool:
    """Whether `point` lies on one of the screens."""
    return any(screen.contains(*point) for screen in found)
