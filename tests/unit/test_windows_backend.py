"""The Windows backend's thin user32 layer, driven by a stand-in for the DLLs.

Windows cannot run here, so these check what can go wrong on this side of
ctypes: the structures' layout on 64-bit Windows (fixed-width fields, so the
same here), the arguments each call gets, and what is made of the answers.
The real calls run in the hosted CI's Windows job (tests/desktops/smoke.py).
"""

from __future__ import annotations

import ctypes
from typing import Any

import pytest

from swarmbus.agents.desktop import win32
from swarmbus.agents.desktop.base import Rect, WindowInfo
from swarmbus.agents.desktop.windows import WindowsDesktop, list_monitors, make_dpi_aware

CURSOR = WindowInfo(0x1001, "main.py - swarm - Cursor", "Cursor.exe")


def test_structures_have_their_64_bit_windows_layout() -> None:
    assert ctypes.sizeof(ctypes.c_void_p) == 8  # this machine is 64-bit, as Windows runners are
    assert ctypes.sizeof(win32.POINT) == 8
    assert ctypes.sizeof(win32.RECT) == 16
    assert ctypes.sizeof(win32.MONITORINFO) == 40
    assert (ctypes.sizeof(win32.MSG), win32.MSG.wParam.offset, win32.MSG.pt.offset) == (48, 16, 36)
    assert ctypes.sizeof(win32.WNDCLASSEXW) == 80
    assert win32.WNDCLASSEXW.hInstance.offset == 24
    assert win32.WNDCLASSEXW.lpszClassName.offset == 64


MONITORS = {  # HMONITOR: (rcMonitor, effective DPI, dwFlags); the seed's desk
    0x10001: ((-1920, 0, 0, 1080), 96, 0),
    0x10003: ((0, 0, 3840, 2160), 144, win32.MONITORINFOF_PRIMARY),
    0x10005: ((0, -1440, 2560, 0), 120, 0),
}


class FakeUser32:
    """Answers like user32/shcore/kernel32 would, and records what it was asked."""

    def __init__(self) -> None:
        self.calls: list[tuple[Any, ...]] = []
        self.closed: list[int] = []

    def EnumDisplayMonitors(self, dc: Any, clip: Any, callback: Any, data: int) -> int:
        assert (dc, clip) == (None, None)  # the whole virtual desktop
        for handle in MONITORS:
            callback(handle, None, None, data)
        return 1

    def GetMonitorInfoW(self, handle: int, info_ref: Any) -> int:
        info = info_ref._obj
        assert info.cbSize == ctypes.sizeof(win32.MONITORINFO)
        (left, top, right, bottom), _, flags = MONITORS[handle]
        info.rcMonitor = win32.RECT(left, top, right, bottom)
        info.dwFlags = flags
        return 1

    def GetDpiForMonitor(self, handle: int, kind: int, x_ref: Any, y_ref: Any) -> int:
        assert kind == win32.MDT_EFFECTIVE_DPI
        x_ref._obj.value = y_ref._obj.value = MONITORS[handle][1]
        return 0

    def WindowFromPoint(self, point: win32.POINT) -> int:
        self.calls.append(("WindowFromPoint", point.x, point.y))
        return 0x2002 if point.x < 0 else 0

    def GetAncestor(self, hwnd: int, flags: int) -> int:
        self.calls.append(("GetAncestor", hwnd, flags))
        return 0x1001

    def GetWindowTextLengthW(self, hwnd: int) -> int:
        return len("main.py - swarm - Cursor")

    def GetWindowTextW(self, hwnd: int, buffer: Any, size: int) -> int:
        buffer.value = "main.py - swarm - Cursor"[: size - 1]
        return size - 1

    def GetWindowThreadProcessId(self, hwnd: int, pid_ref: Any) -> int:
        pid_ref._obj.value = 4242
        return 1

    def OpenProcess(self, access: int, inherit: bool, pid: int) -> int:
        assert (access, pid) == (win32.PROCESS_QUERY_LIMITED_INFORMATION, 4242)
        return 77

    def QueryFullProcessImageNameW(self, process: int, flags: int, path: Any, size: Any) -> int:
        path.value = r"C:\Users\me\AppData\Local\Programs\cursor\Cursor.exe"
        return 1

    def CloseHandle(self, handle: int) -> int:
        self.closed.append(handle)
        return 1


def test_monitors_come_from_enum_display_monitors_with_their_dpi() -> None:
    assert list_monitors(FakeUser32()) == [
        Rect(0, 0, 3840, 2160, 1.5),
        Rect(-1920, 0, 1920, 1080, 1.0),
        Rect(0, -1440, 2560, 1440, 1.25),
    ]


def test_window_at_a_point_is_the_top_level_window_with_title_and_program() -> None:
    api = FakeUser32()
    desktop = object.__new__(WindowsDesktop)
    desktop.api = api
    assert desktop.window_at(-1269, 481) == CURSOR
    assert api.calls == [("WindowFromPoint", -1269, 481), ("GetAncestor", 0x2002, win32.GA_ROOT)]
    assert api.closed == [77]  # the process handle is not leaked
    assert desktop.window_at(10, 10) is None  # nothing there


class Awareness:
    def __init__(self, v2: bool | None, v1: int | None) -> None:
        self.asked: list[Any] = []
        if v2 is not None:
            self.SetProcessDpiAwarenessContext = lambda context: self._ask("v2", context, v2)
        if v1 is not None:
            self.SetProcessDpiAwareness = lambda level: self._ask("v1", level, v1)

    def _ask(self, which: str, value: int, answer: Any) -> Any:
        self.asked.append((which, value))
        return answer

    def SetProcessDPIAware(self) -> int:
        self.asked.append(("system", None))
        return 1


@pytest.mark.parametrize(
    ("v2", "v1", "reached", "asked"),
    [
        (True, 0, "per_monitor_v2", [("v2", -4)]),
        (False, 0, "per_monitor", [("v2", -4), ("v1", 2)]),  # Windows 8.1
        (None, None, "system", [("system", None)]),  # Windows 7
    ],
)
def test_the_process_asks_for_per_monitor_dpi_awareness_first(
    v2: bool | None, v1: int | None, reached: str, asked: list[Any]
) -> None:
    api = Awareness(v2, v1)
    assert make_dpi_aware(api) == reached
    assert api.asked == asked
