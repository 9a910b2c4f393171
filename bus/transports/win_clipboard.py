"""Windows: offer the text by delayed rendering, so delivery sees the target read it.

The clipboard gets CF_UNICODETEXT with no data, owned by a message-only
window of our own. When the target pastes, its GetClipboardData makes Windows
send that window WM_RENDERFORMAT; the text is handed over then, and that is
the read signal the submit key waits for (the counterpart of X11's selection
request). A clipboard manager could fetch the text first: the offer carries
the ExcludeClipboardContentFromMonitorProcessing format, which tells
Windows' clipboard history and well-behaved monitors to leave it alone, and a
render that comes before the paste key is not taken as the target's read
(`paste_confirmed: null`). The previous text is saved and restored through
pyperclip. Runs on the GUI thread, which owns the window and pumps its
messages while it waits.
"""

from __future__ import annotations

import ctypes
import time
from collections.abc import Callable
from typing import Any

from swarmbus.agents.desktop import win32
from swarmbus.bus.transports.clipboard import PASTE_SETTLE, read_verdict

OPEN_TRIES = 20  # another program may hold the clipboard open for a moment
OPEN_RETRY = 0.01  # seconds between tries
PUMP_SLICE_MS = 50  # longest single wait for a message
MONITOR_EXCLUSION = "ExcludeClipboardContentFromMonitorProcessing"


class MessageWindow:
    """A hidden message-only window of this thread, and the pump for its messages.

    `on_message(message, wparam)` answers a message (True: handled, return 0);
    the rest go to DefWindowProcW.
    """

    def __init__(self, api: Any, on_message: Callable[[int, int], bool]) -> None:
        self._api = api
        self._on_message = on_message
        self._proc = win32.WNDPROC(self._window_proc)  # kept: Windows calls it until destroyed
        self._instance = api.GetModuleHandleW(None)
        self._class = f"swarmbus-clipboard-{id(self):x}"
        self.hwnd = self._create()

    def open_clipboard(self) -> bool:
        """OpenClipboard for this window, retried while another program holds it open."""
        for _ in range(OPEN_TRIES):
            if self._api.OpenClipboard(self.hwnd):
                return True
            time.sleep(OPEN_RETRY)
        return False

    def pump_until(self, done: Callable[[], bool], timeout: float) -> bool:
        """Dispatch this thread's messages (sent ones included) until `done()` or the timeout."""
        deadline = time.monotonic() + timeout
        message = win32.MSG()
        while True:
            while self._api.PeekMessageW(ctypes.byref(message), None, 0, 0, win32.PM_REMOVE):
                self._api.TranslateMessage(ctypes.byref(message))
                self._api.DispatchMessageW(ctypes.byref(message))
            remaining = deadline - time.monotonic()
            if done() or remaining <= 0:
                return done()
            wait = min(PUMP_SLICE_MS, max(1, int(remaining * 1000)))
            self._api.MsgWaitForMultipleObjects(0, None, False, wait, win32.QS_ALLINPUT)

    def destroy(self) -> None:
        self._api.DestroyWindow(self.hwnd)
        self._api.UnregisterClassW(self._class, self._instance)

    def _create(self) -> int:
        window_class = win32.WNDCLASSEXW()
        window_class.cbSize = ctypes.sizeof(window_class)
        window_class.lpfnWndProc = self._proc
        window_class.hInstance = self._instance
        window_class.lpszClassName = self._class
        if not self._api.RegisterClassExW(ctypes.byref(window_class)):
            raise win32.last_error("RegisterClassExW")
        hwnd = self._api.CreateWindowExW(
            0, self._class, "swarmbus clipboard", 0, 0, 0, 0, 0,
            win32.HWND_MESSAGE, None, self._instance, None,
        )  # fmt: skip
        if not hwnd:
            raise win32.last_error("CreateWindowExW")
        return int(hwnd)

    def _window_proc(self, hwnd: int, message: int, wparam: int, lparam: int) -> int:
        if self._on_message(message, wparam):
            return 0
        return int(self._api.DefWindowProcW(hwnd, message, wparam, lparam))


class DelayedClipboard:
    """The clipboard of a Windows session, with pastes confirmed by WM_RENDERFORMAT."""

    confirmation = "wm_renderformat"

    def __init__(self, pyperclip: Any) -> None:
        self._clip = pyperclip
        self._api = win32.load()
        self._text = ""
        self._rendered = self._lost = False
        self._window = MessageWindow(self._api, self._handle)
        self._exclusion = self._api.RegisterClipboardFormatW(MONITOR_EXCLUSION)

    def save(self) -> str | None:
        try:
            return str(self._clip.paste())
        except self._clip.PyperclipException:
            return None

    def paste(self, text: str, press_paste: Callable[[], None], timeout: float) -> bool | None:
        """Offer `text`, press the paste key, and pump messages until the target reads it."""
        self._offer(text)
        self._window.pump_until(lambda: False, 0)  # a render that comes at once is not the target's
        early = self._rendered
        press_paste()
        self._window.pump_until(lambda: self._rendered or self._lost, timeout)
        if early:
            time.sleep(PASTE_SETTLE)
        return read_verdict(early, self._rendered)

    def restore(self, saved: str | None) -> bool:
        self._clip.copy(saved or "")
        return True

    def close(self) -> None:
        """Leave no promise behind: empty the clipboard if it still holds ours."""
        if self._api.GetClipboardOwner() == self._window.hwnd and self._window.open_clipboard():
            self._api.EmptyClipboard()
            self._api.CloseClipboard()
        self._window.destroy()

    def _offer(self, text: str) -> None:
        """Own the clipboard with CF_UNICODETEXT promised, not yet rendered."""
        if not self._window.open_clipboard():
            raise win32.last_error("OpenClipboard")
        try:
            if not self._api.EmptyClipboard():
                raise win32.last_error("EmptyClipboard")
            self._api.SetClipboardData(win32.CF_UNICODETEXT, None)  # NULL: delayed rendering
            marker = self._global(b"\0\0\0\0")
            if not self._api.SetClipboardData(self._exclusion, marker):
                self._api.GlobalFree(marker)
        finally:
            self._api.CloseClipboard()
        self._text, self._rendered, self._lost = text, False, False

    def _global(self, data: bytes) -> int:
        """A movable global memory block holding `data`, as SetClipboardData takes it."""
        handle = self._api.GlobalAlloc(win32.GMEM_MOVEABLE, len(data))
        if not handle:
            raise win32.last_error("GlobalAlloc")
        ctypes.memmove(self._api.GlobalLock(handle), data, len(data))
        self._api.GlobalUnlock(handle)
        return int(handle)

    def _handle(self, message: int, wparam: int) -> bool:
        """WM_RENDERFORMAT: hand the text over (the clipboard is already open for us)."""
        if message == win32.WM_RENDERFORMAT and wparam == win32.CF_UNICODETEXT:
            handle = self._global((self._text + "\0").encode("utf-16-le", "surrogatepass"))
            if self._api.SetClipboardData(win32.CF_UNICODETEXT, handle):
                self._rendered = True
            else:
                self._api.GlobalFree(handle)
            return True
        if message == win32.WM_DESTROYCLIPBOARD:
            self._lost = True
            return True
        return message == win32.WM_RENDERALLFORMATS  # we are going away: the promise lapses
