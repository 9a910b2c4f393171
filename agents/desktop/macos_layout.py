"""macOS screen geometry and window lists, as plain functions (testable on any platform).

AppKit (NSScreen) measures in points with the origin at the primary screen's
bottom-left corner and y growing upwards; Quartz (CGDisplayBounds, events,
CGWindowList bounds) and pyautogui use points with the origin at its top-left
corner and y growing downwards. The backend reads Quartz, which may be asked
from any thread; `flip_frames` turns NSScreen frames into the same numbers
(the macOS CI job checks that both agree). A screen above the primary one has
a negative top there, one to its left a negative x. A Retina screen has two
pixels per point (`backingScaleFactor`, or the display mode's pixel width over
its width in points); pyautogui clicks in points, so points are what the
config holds, and the scale is only reported.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from swarmbus.agents.desktop.base import Rect, WindowInfo


@dataclass(frozen=True, slots=True)
class ScreenFrame:
    """One NSScreen: its `frame` (x, y, width, height, in points) and `backingScaleFactor`."""

    x: float
    y: float
    width: float
    height: float
    scale: float = 1.0


def flip_frames(frames: list[ScreenFrame]) -> list[Rect]:
    """The screens in top-left-origin points; `frames[0]` is the primary (NSScreen.screens[0])."""
    if not frames:
        return []
    primary_height = frames[0].height
    return [
        Rect(
            round(frame.x),
            round(primary_height - (frame.y + frame.height)),
            round(frame.width),
            round(frame.height),
            frame.scale,
        )
        for frame in frames
    ]


@dataclass(frozen=True, slots=True)
class CGDisplay:
    """One active display: CGDisplayBounds (top-left points) and its mode's width in pixels."""

    x: float
    y: float
    width: float
    height: float
    pixel_width: int
    main: bool = False


def display_rects(displays: list[CGDisplay]) -> list[Rect]:
    """The displays as `Rect`s in points, the main one first, each with its pixels per point."""
    ordered = sorted(displays, key=lambda display: not display.main)
    return [
        Rect(
            round(d.x),
            round(d.y),
            round(d.width),
            round(d.height),
            round(d.pixel_width / d.width, 4) if d.width else 1.0,
        )
        for d in ordered
    ]


def to_pixels(x: int, y: int, screen: Rect) -> tuple[int, int]:
    """A point's position in the screen's own pixels (Retina: twice its points)."""
    return round((x - screen.x) * screen.scale), round((y - screen.y) * screen.scale)


def _bounds(entry: Mapping[str, Any]) -> Rect:
    bounds = entry.get("kCGWindowBounds") or {}
    return Rect(
        round(bounds.get("X", 0)),
        round(bounds.get("Y", 0)),
        round(bounds.get("Width", 0)),
        round(bounds.get("Height", 0)),
    )


def _info(entry: Mapping[str, Any]) -> WindowInfo:
    """kCGWindowName is absent until the process may record the screen: the title is None then."""
    name = entry.get("kCGWindowName")
    return WindowInfo(
        int(entry.get("kCGWindowNumber", 0)),
        None if name is None else str(name),
        entry.get("kCGWindowOwnerName"),
    )


def window_at(entries: Iterable[Mapping[str, Any]], x: int, y: int) -> WindowInfo | None:
    """The frontmost visible window containing the point, from CGWindowListCopyWindowInfo.

    The list runs front to back and includes the menu bar and the Dock (higher
    layers), which are what lies under a point there; invisible windows
    (alpha 0) are looked through.
    """
    for entry in entries:
        if entry.get("kCGWindowAlpha", 1.0) > 0 and _bounds(entry).contains(x, y):
            return _info(entry)
    return None


def front_window(entries: Iterable[Mapping[str, Any]], pid: int) -> WindowInfo | None:
    """The frontmost ordinary (layer 0) window of the application with process id `pid`."""
    for entry in entries:
        if entry.get("kCGWindowOwnerPID") == pid and entry.get("kCGWindowLayer", 0) == 0:
            return _info(entry)
    return None
