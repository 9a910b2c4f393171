"""The Windows and macOS backends' geometry as plain functions, on the seed system's layouts.

The seed swarm runs on Windows with Agent-1 at x = -1269: a monitor left of
the primary one. These layouts are what EnumDisplayMonitors/GetDpiForMonitor
and NSScreen would report for such desks; the backends only fetch the
numbers, so the arithmetic is checked here, on any platform.
"""

from __future__ import annotations

import pytest

from swarmbus.agents.desktop import macos_layout, windows_layout
from swarmbus.agents.desktop.base import Rect, WindowInfo, failsafe_corners, layout, screen_at
from swarmbus.agents.desktop.macos_layout import ScreenFrame
from swarmbus.agents.desktop.windows_layout import Win32Monitor

SEED_POINT = (-1269, 481)  # Agent-1 in config/swarmbus.example.toml

# Windows: primary 4K at 150 %, a 1080p monitor at 100 % on its left, a 1440p
# one at 125 % above it (rcMonitor rectangles in physical pixels, effective DPI).
WINDOWS_DESK = [
    Win32Monitor((-1920, 0, 0, 1080), dpi=96),
    Win32Monitor((0, 0, 3840, 2160), dpi=144, primary=True),
    Win32Monitor((0, -1440, 2560, 0), dpi=120),
]


def test_windows_monitors_keep_negative_coordinates_and_their_scale() -> None:
    screens = windows_layout.monitor_rects(WINDOWS_DESK)
    primary, left, above = screens
    assert primary == Rect(0, 0, 3840, 2160, 1.5)  # the primary comes first
    assert left == Rect(-1920, 0, 1920, 1080, 1.0)
    assert above == Rect(0, -1440, 2560, 1440, 1.25)
    assert screen_at(*SEED_POINT, screens) == left
    assert screen_at(100, -10, screens) == above
    assert screen_at(3000, -10, screens) is None  # right of the upper monitor
    assert screen_at(-1, 1080, screens) is None  # below the left monitor's bottom
    assert screen_at(-1920, 0, screens) == left
    assert screen_at(-1921, 0, screens) is None
    assert layout(screens) == "3840x2160+0+0 @1.5x, 1920x1080-1920+0, 2560x1440+0-1440 @1.25x"


@pytest.mark.parametrize(("dpi", "scale"), [(96, 1.0), (120, 1.25), (144, 1.5), (192, 2.0)])
def test_dpi_to_scale(dpi: int, scale: float) -> None:
    assert windows_layout.scale_for_dpi(dpi) == scale


def test_bad_win32_numbers_are_refused() -> None:
    with pytest.raises(ValueError, match="DPI must be positive, not 0"):
        windows_layout.scale_for_dpi(0)
    with pytest.raises(ValueError, match=r"monitor rectangle \(10, 0, 10, 5\) is empty"):
        windows_layout.monitor_rects([Win32Monitor((10, 0, 10, 5))])


def test_what_a_dpi_unaware_process_sees_and_where_its_points_really_are() -> None:
    primary, left, _ = windows_layout.monitor_rects(WINDOWS_DESK)
    assert windows_layout.unaware_size(primary) == (2560, 1440)  # why swarmbus is DPI aware
    assert windows_layout.unaware_size(left) == (1920, 1080)
    # the middle of the primary monitor, as an unaware tool measured it
    assert windows_layout.physical_from_unaware(1280, 720, primary) == (1920, 1080)
    assert windows_layout.physical_from_unaware(*SEED_POINT, left) == SEED_POINT  # 100 %: same
    above = Rect(0, -1440, 2560, 1440, 1.25)
    assert windows_layout.physical_from_unaware(100, -1400, above) == (125, -1390)


# macOS: a Retina built-in display as primary, a 1080p monitor left of it,
# slightly lower, and one above it; NSScreen frames in points, bottom-left origin.
MAC_DESK = [
    ScreenFrame(0, 0, 1512, 982, 2.0),
    ScreenFrame(-1920, -98, 1920, 1080, 1.0),
    ScreenFrame(0, 982, 2560, 1440, 1.0),
]


def test_macos_frames_flip_to_top_left_points() -> None:
    primary, left, above = macos_layout.flip_frames(MAC_DESK)
    assert primary == Rect(0, 0, 1512, 982, 2.0)
    assert left == Rect(-1920, 0, 1920, 1080)  # its top edge is level with the primary's
    assert above == Rect(0, -1440, 2560, 1440)
    screens = [primary, left, above]
    assert screen_at(*SEED_POINT, screens) == left
    assert screen_at(10, 990, screens) is None  # below the Retina screen
    assert macos_layout.flip_frames([]) == []


def test_retina_points_against_pixels() -> None:
    primary, left, _ = macos_layout.flip_frames(MAC_DESK)
    assert macos_layout.to_pixels(756, 491, primary) == (1512, 982)  # the middle, in pixels
    assert macos_layout.to_pixels(*SEED_POINT, left) == (651, 481)
    assert str(primary) == "1512x982+0+0 @2x"


CG_WINDOWS = [  # CGWindowListCopyWindowInfo, front to back
    {"kCGWindowNumber": 5, "kCGWindowLayer": 25, "kCGWindowAlpha": 1.0,
     "kCGWindowOwnerName": "Dock", "kCGWindowOwnerPID": 90, "kCGWindowName": "Dock",
     "kCGWindowBounds": {"X": 0, "Y": 930, "Width": 1512, "Height": 52}},
    {"kCGWindowNumber": 6, "kCGWindowLayer": 0, "kCGWindowAlpha": 0.0,
     "kCGWindowOwnerName": "Overlay", "kCGWindowOwnerPID": 91,
     "kCGWindowBounds": {"X": -1920, "Y": 0, "Width": 3432, "Height": 1080}},
    {"kCGWindowNumber": 7, "kCGWindowLayer": 0, "kCGWindowAlpha": 1.0,
     "kCGWindowOwnerName": "Cursor", "kCGWindowOwnerPID": 42,
     "kCGWindowName": "main.py - swarm - Cursor",
     "kCGWindowBounds": {"X": -1900, "Y": 40, "Width": 1200, "Height": 900}},
    {"kCGWindowNumber": 8, "kCGWindowLayer": 0, "kCGWindowAlpha": 1.0,
     "kCGWindowOwnerName": "Terminal", "kCGWindowOwnerPID": 43,
     "kCGWindowBounds": {"X": 100, "Y": 100, "Width": 800, "Height": 600}},
]  # fmt: skip


def test_macos_window_under_a_point_and_focused_window() -> None:
    cursor = WindowInfo(7, "main.py - swarm - Cursor", "Cursor")
    assert macos_layout.window_at(CG_WINDOWS, *SEED_POINT) == cursor  # through the overlay
    assert macos_layout.window_at(CG_WINDOWS, 200, 950) == WindowInfo(5, "Dock", "Dock")
    terminal = macos_layout.window_at(CG_WINDOWS, 200, 200)
    assert terminal == WindowInfo(8, None, "Terminal")  # no title without Screen Recording
    assert terminal is not None
    assert terminal.describe() == "title unreadable (Terminal)"
    assert macos_layout.window_at(CG_WINDOWS, 1400, 10) is None  # the bare desktop
    assert macos_layout.front_window(CG_WINDOWS, 42) == cursor
    assert macos_layout.front_window(CG_WINDOWS, 90) is None  # the Dock has no layer-0 window


def test_failsafe_corners_are_those_of_the_primary_screen() -> None:
    assert failsafe_corners(3840, 2160) == {(0, 0), (3839, 0), (0, 2159), (3839, 2159)}


def test_quartz_display_bounds_with_their_retina_scale_main_display_first() -> None:
    displays = [
        macos_layout.CGDisplay(-1920, 0, 1920, 1080, 1920),
        macos_layout.CGDisplay(0, 0, 1512, 982, 3024, main=True),  # Retina: 2 pixels a point
        macos_layout.CGDisplay(0, -1440, 2560, 1440, 5120),  # a 5K monitor above, at 2x
    ]
    screens = macos_layout.display_rects(displays)
    assert screens == [
        Rect(0, 0, 1512, 982, 2.0),
        Rect(-1920, 0, 1920, 1080, 1.0),
        Rect(0, -1440, 2560, 1440, 2.0),
    ]
    assert screens[:2] == macos_layout.flip_frames(MAC_DESK)[:2]  # Quartz agrees with AppKit
    assert screen_at(*SEED_POINT, screens) == Rect(-1920, 0, 1920, 1080, 1.0)
