"""The few user32, shcore and kernel32 calls the Windows backend makes, declared for ctypes.

Every function gets its exact argument and result types, so a 64-bit handle
is never cut to a 32-bit int. The structures use fixed-width fields (LONG and
DWORD are 32 bits on Windows, 64 on Linux), so their layout can be checked on
any platform (tests/unit/test_win32_layout.py); the DLLs are loaded only by
`load()`, which only the Windows backend calls.
"""

from __future__ import annotations

import ctypes
import functools
from types import SimpleNamespace
from typing import Any

LONG = ctypes.c_int32
DWORD = UINT = ctypes.c_uint32
BOOL = ctypes.c_int32
HANDLE = HWND = HMONITOR = HINSTANCE = ctypes.c_void_p
WPARAM = ctypes.c_size_t
LPARAM = LRESULT = ctypes.c_ssize_t
HRESULT = ctypes.c_int32
_FUNCTYPE = getattr(ctypes, "WINFUNCTYPE", ctypes.CFUNCTYPE)  # stdcall on Windows

HWND_MESSAGE = -3  # parent of a message-only window
GA_ROOT = 2
MONITORINFOF_PRIMARY = 1
MDT_EFFECTIVE_DPI = 0
PROCESS_QUERY_LIMITED_INFORMATION = 0x1000
DPI_AWARENESS_CONTEXT_PER_MONITOR_AWARE_V2 = -4
PROCESS_PER_MONITOR_DPI_AWARE = 2
SM_CXSCREEN, SM_CYSCREEN = 0, 1
CF_UNICODETEXT = 13
GMEM_MOVEABLE = 0x0002
WM_RENDERFORMAT, WM_RENDERALLFORMATS, WM_DESTROYCLIPBOARD = 0x0305, 0x0306, 0x0307
PM_REMOVE = 0x0001
QS_ALLINPUT = 0x04FF
WAIT_FAILED = 0xFFFFFFFF


class POINT(ctypes.Structure):
    _fields_ = [("x", LONG), ("y", LONG)]


class RECT(ctypes.Structure):
    _fields_ = [("left", LONG), ("top", LONG), ("right", LONG), ("bottom", LONG)]


class MONITORINFO(ctypes.Structure):
    _fields_ = [("cbSize", DWORD), ("rcMonitor", RECT), ("rcWork", RECT), ("dwFlags", DWORD)]


class MSG(ctypes.Structure):
    _fields_ = [
        ("hwnd", HWND),
        ("message", UINT),
        ("wParam", WPARAM),
        ("lParam", LPARAM),
        ("time", DWORD),
        ("pt", POINT),
        ("lPrivate", DWORD),
    ]


WNDPROC = _FUNCTYPE(LRESULT, HWND, UINT, WPARAM, LPARAM)
MONITORENUMPROC = _FUNCTYPE(BOOL, HMONITOR, HANDLE, ctypes.POINTER(RECT), LPARAM)


class WNDCLASSEXW(ctypes.Structure):
    _fields_ = [
        ("cbSize", UINT),
        ("style", UINT),
        ("lpfnWndProc", WNDPROC),
        ("cbClsExtra", ctypes.c_int),
        ("cbWndExtra", ctypes.c_int),
        ("hInstance", HINSTANCE),
        ("hIcon", HANDLE),
        ("hCursor", HANDLE),
        ("hbrBackground", HANDLE),
        ("lpszMenuName", ctypes.c_wchar_p),
        ("lpszClassName", ctypes.c_wchar_p),
        ("hIconSm", HANDLE),
    ]


P = ctypes.POINTER
SIGNATURES: dict[str, dict[str, tuple[Any, tuple[Any, ...]]]] = {  # dll: name: (result, args)
    "user32": {
        "EnumDisplayMonitors": (BOOL, (HANDLE, P(RECT), MONITORENUMPROC, LPARAM)),
        "GetMonitorInfoW": (BOOL, (HMONITOR, P(MONITORINFO))),
        "SetProcessDpiAwarenessContext": (BOOL, (HANDLE,)),
        "SetProcessDPIAware": (BOOL, ()),
        "GetSystemMetrics": (ctypes.c_int, (ctypes.c_int,)),
        "WindowFromPoint": (HWND, (POINT,)),
        "GetAncestor": (HWND, (HWND, UINT)),
        "GetWindowTextLengthW": (ctypes.c_int, (HWND,)),
        "GetWindowTextW": (ctypes.c_int, (HWND, ctypes.c_wchar_p, ctypes.c_int)),
        "GetForegroundWindow": (HWND, ()),
        "GetWindowThreadProcessId": (DWORD, (HWND, P(DWORD))),
        "GetCursorPos": (BOOL, (P(POINT),)),
        "OpenClipboard": (BOOL, (HWND,)),
        "CloseClipboard": (BOOL, ()),
        "EmptyClipboard": (BOOL, ()),
        "SetClipboardData": (HANDLE, (UINT, HANDLE)),
        "GetClipboardOwner": (HWND, ()),
        "RegisterClipboardFormatW": (UINT, (ctypes.c_wchar_p,)),
        "RegisterClassExW": (ctypes.c_uint16, (P(WNDCLASSEXW),)),
        "UnregisterClassW": (BOOL, (ctypes.c_wchar_p, HINSTANCE)),
        "CreateWindowExW": (
            HWND,
            (DWORD, ctypes.c_wchar_p, ctypes.c_wchar_p, DWORD)
            + (ctypes.c_int,) * 4
            + (HWND, HANDLE, HINSTANCE, ctypes.c_void_p),
        ),
        "DestroyWindow": (BOOL, (HWND,)),
        "DefWindowProcW": (LRESULT, (HWND, UINT, WPARAM, LPARAM)),
        "PeekMessageW": (BOOL, (P(MSG), HWND, UINT, UINT, UINT)),
        "TranslateMessage": (BOOL, (P(MSG),)),
        "DispatchMessageW": (LRESULT, (P(MSG),)),
        "MsgWaitForMultipleObjects": (DWORD, (DWORD, P(HANDLE), BOOL, DWORD, DWORD)),
    },
    "shcore": {
        "GetDpiForMonitor": (HRESULT, (HMONITOR, ctypes.c_int, P(UINT), P(UINT))),
        "SetProcessDpiAwareness": (HRESULT, (ctypes.c_int,)),
    },
    "kernel32": {
        "OpenProcess": (HANDLE, (DWORD, BOOL, DWORD)),
        "QueryFullProcessImageNameW": (BOOL, (HANDLE, DWORD, ctypes.c_wchar_p, P(DWORD))),
        "CloseHandle": (BOOL, (HANDLE,)),
        "GetModuleHandleW": (HINSTANCE, (ctypes.c_wchar_p,)),
        "GlobalAlloc": (HANDLE, (UINT, ctypes.c_size_t)),
        "GlobalLock": (ctypes.c_void_p, (HANDLE,)),
        "GlobalUnlock": (BOOL, (HANDLE,)),
        "GlobalFree": (HANDLE, (HANDLE,)),
    },
}


@functools.cache
def load() -> SimpleNamespace:
    """The declared functions, by name (Windows only; shcore calls are absent before 8.1)."""
    api = SimpleNamespace()
    for dll_name, functions in SIGNATURES.items():
        try:
            dll = ctypes.WinDLL(dll_name, use_last_error=True)  # type: ignore[attr-defined]
        except OSError:  # shcore.dll came with Windows 8.1
            continue
        for name, (result, args) in functions.items():
            function = getattr(dll, name, None)
            if function is not None:
                function.restype, function.argtypes = result, list(args)
                setattr(api, name, function)
    return api


def last_error(call: str) -> OSError:
    """The OSError for a failed call, from GetLastError."""
    code = ctypes.get_last_error()
    return OSError(code, f"{call} failed: {ctypes.FormatError(code).strip()}")  # type: ignore[attr-defined]
