"""The Windows backend: monitors, windows and focus from user32 through ctypes.

The calls are thin; the geometry and DPI arithmetic live in
`windows_layout`, tested on every platform. The process is made per-monitor
DPI aware before anything else (pyautogui would otherwise make it only
system aware at import), so monitors, the pointer and clicks all use
physical pixels, also on monitors scaled differently from the primary one.
"""

from __future__ import annotations

import ctypes
import functools
import ntpath
from typing import Any

from swarmbus.agents.desktop import win32
from swarmbus.agents.desktop.base import Rect, WindowInfo, failsafe_corners
from swarmbus.agents.desktop.windows_layout import USER_DEFAULT_DPI, Win32Monitor, monitor_rects

MAX_PATH = 32768  # characters of a process image path


@functools.cache
def ensure_dpi_aware() -> str:
    """Make this process per-monitor DPI aware, once; the awareness reached."""
    return make_dpi_aware(win32.load())


def make_dpi_aware(api: Any) -> str:
    """Make the process per-monitor DPI aware; return the awareness reached.

    Only the first call in a process counts, so this runs before pyautogui is
    imported. Windows 10 1703+ has per-monitor v2, 8.1 per-monitor v1, older
    ones only system awareness.
    """
    context = getattr(api, "SetProcessDpiAwarenessContext", None)
    if context is not None and context(win32.DPI_AWARENESS_CONTEXT_PER_MONITOR_AWARE_V2):
        return "per_monitor_v2"
    awareness = getattr(api, "SetProcessDpiAwareness", None)
    if awareness is not None and awareness(win32.PROCESS_PER_MONITOR_DPI_AWARE) == 0:
        return "per_monitor"
    return "system" if api.SetProcessDPIAware() else "unchanged"


def _monitor(api: Any, handle: int) -> Win32Monitor:
    info = win32.MONITORINFO()
    info.cbSize = ctypes.sizeof(info)
    if not api.GetMonitorInfoW(handle, ctypes.byref(info)):
        raise win32.last_error("GetMonitorInfoW")
    rect = info.rcMonitor
    dpi_x, dpi_y = win32.UINT(USER_DEFAULT_DPI), win32.UINT(USER_DEFAULT_DPI)
    get_dpi = getattr(api, "GetDpiForMonitor", None)
    if get_dpi is not None:
        get_dpi(handle, win32.MDT_EFFECTIVE_DPI, ctypes.byref(dpi_x), ctypes.byref(dpi_y))
    primary = bool(info.dwFlags & win32.MONITORINFOF_PRIMARY)
    return Win32Monitor((rect.left, rect.top, rect.right, rect.bottom), dpi_x.value, primary)


def list_monitors(api: Any) -> list[Rect]:
    """Every monitor of the virtual desktop (EnumDisplayMonitors over the whole of it)."""
    handles: list[int] = []

    def collect(handle: int, _dc: int, _rect: Any, _data: int) -> int:
        handles.append(handle)
        return 1  # go on

    if not api.EnumDisplayMonitors(None, None, win32.MONITORENUMPROC(collect), 0):
        raise win32.last_error("EnumDisplayMonitors")
    return monitor_rects(_monitor(api, handle) for handle in handles)


def _title(api: Any, hwnd: int) -> str:
    length = api.GetWindowTextLengthW(hwnd)
    buffer = ctypes.create_unicode_buffer(length + 1)
    api.GetWindowTextW(hwnd, buffer, length + 1)
    return buffer.value


def _process(api: Any, hwnd: int) -> str | None:
    """The owning program's file name ('Cursor.exe'), or None when Windows will not say."""
    pid = win32.DWORD(0)
    api.GetWindowThreadProcessId(hwnd, ctypes.byref(pid))
    process = api.OpenProcess(win32.PROCESS_QUERY_LIMITED_INFORMATION, False, pid.value)
    if not process:
        return None
    try:
        size = win32.DWORD(MAX_PATH)
        path = ctypes.create_unicode_buffer(MAX_PATH)
        if not api.QueryFullProcessImageNameW(process, 0, path, ctypes.byref(size)):
            return None
        return ntpath.basename(path.value)
    finally:
        api.CloseHandle(process)


def window_info(api: Any, hwnd: int | None) -> WindowInfo | None:
    if not hwnd:
        return None
    return WindowInfo(int(hwnd), _title(api, hwnd), _process(api, hwnd))


class WindowsDesktop:
    """The `Desktop` of this Windows session."""

    name = "windows"
    paste_confirmation = "wm_renderformat"  # see bus/transports/win_clipboard.py

    def __init__(self) -> None:
        self.dpi_awareness = ensure_dpi_aware()
        self.api = win32.load()

    def screens(self) -> list[Rect]:
        return list_monitors(self.api)

    def window_at(self, x: int, y: int) -> WindowInfo | None:
        """The top-level window (GetAncestor GA_ROOT) of whatever control is at the point."""
        child = self.api.WindowFromPoint(win32.POINT(x, y))
        return window_info(self.api, self.api.GetAncestor(child, win32.GA_ROOT) if child else None)

    def focused_window(self) -> WindowInfo | None:
        return window_info(self.api, self.api.GetForegroundWindow())

    def pointer(self) -> tuple[int, int]:
        point = win32.POINT()
        if not self.api.GetCursorPos(ctypes.byref(point)):
            raise win32.last_error("GetCursorPos")
        return point.x, point.y

    def corners(self) -> set[tuple[int, int]]:
        """pyautogui.size() on Windows is the primary monitor (GetSystemMetrics)."""
        width = self.api.GetSystemMetrics(win32.SM_CXSCREEN)
        return failsafe_corners(width, self.api.GetSystemMetrics(win32.SM_CYSCREEN))

    def release_held_keys(self) -> list[int]:
        """Nothing: Windows does not repeat an injected key, and without a Windows desktop
        to test on, no key-up is sent blind (a stuck modifier stays a known gap)."""
        return []

    def close(self) -> None:
        """Nothing to release: user32 needs no connection."""


def open_desktop() -> WindowsDesktop:
    return WindowsDesktop()
