"""Windows monitor geometry and DPI arithmetic, as plain functions (testable on any platform).

Windows lays its monitors out in one virtual desktop whose origin is the
primary monitor's top-left corner: a monitor to its left has negative x, one
above it negative y. What a process sees depends on its DPI awareness. A
per-monitor aware process (what swarmbus makes itself, before pyautogui
loads) gets physical pixels everywhere, the same pixels SetCursorPos and
SendInput take. A DPI-unaware process gets each monitor divided by that
monitor's scale (150 % shows a 3840-wide monitor as 2560 wide), so a point
recorded by such a tool is wrong on every scaled monitor.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from swarmbus.agents.desktop.base import Rect

USER_DEFAULT_DPI = 96  # 100 % scaling


@dataclass(frozen=True, slots=True)
class Win32Monitor:
    """One monitor as EnumDisplayMonitors, GetMonitorInfoW and GetDpiForMonitor report it.

    `rect` is MONITORINFO.rcMonitor (left, top, right, bottom), exclusive of
    right and bottom; `dpi` is the effective DPI (MDT_EFFECTIVE_DPI).
    """

    rect: tuple[int, int, int, int]
    dpi: int = USER_DEFAULT_DPI
    primary: bool = False


def scale_for_dpi(dpi: int) -> float:
    """The UI scale a DPI stands for: 96 -> 1.0, 144 -> 1.5, 192 -> 2.0."""
    if dpi <= 0:
        raise ValueError(f"a monitor's DPI must be positive, not {dpi}")
    return round(dpi / USER_DEFAULT_DPI, 4)


def monitor_rects(monitors: Iterable[Win32Monitor]) -> list[Rect]:
    """The monitors as `Rect`s in physical virtual-desktop pixels, the primary one first."""
    ordered = sorted(monitors, key=lambda monitor: not monitor.primary)
    return [_rect(monitor) for monitor in ordered]


def _rect(monitor: Win32Monitor) -> Rect:
    left, top, right, bottom = monitor.rect
    if right <= left or bottom <= top:
        raise ValueError(f"monitor rectangle {monitor.rect} is empty")
    return Rect(left, top, right - left, bottom - top, scale_for_dpi(monitor.dpi))


def unaware_size(screen: Rect) -> tuple[int, int]:
    """The monitor's size as a DPI-unaware process is told it (physical size / scale)."""
    return round(screen.width / screen.scale), round(screen.height / screen.scale)


def physical_from_unaware(x: int, y: int, screen: Rect) -> tuple[int, int]:
    """A point a DPI-unaware process measured on `screen`, in the physical pixels clicks use.

    The offset from the monitor's top-left corner grows by its scale. Exact for
    the primary monitor (origin 0, 0); Windows does not document where it puts
    the other monitors' origins for such a process, so recalibrate rather than
    convert points recorded on them.
    """
    return screen.x + round((x - screen.x) * screen.scale), screen.y + round(
        (y - screen.y) * screen.scale
    )
