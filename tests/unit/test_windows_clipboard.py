"""Delayed rendering on Windows, against a stand-in for the clipboard's user32 and kernel32.

The stand-in keeps one clipboard the way Windows does: an owner window, the
formats with their memory (None: promised), WM_DESTROYCLIPBOARD to the old
owner on EmptyClipboard, and WM_RENDERFORMAT sent to the owner when another
program asks for a promised format, dispatched inside PeekMessageW. The real
thing runs in the hosted CI's Windows job (tests/desktops/smoke.py).
"""

from __future__ import annotations

import ctypes
import time
from collections.abc import Iterator
from typing import Any

import pytest

from swarmbus.agents.desktop import win32
from swarmbus.bus.transports import win_clipboard
from swarmbus.bus.transports.win_clipboard import MONITOR_EXCLUSION, DelayedClipboard

TEXT = "from Agent-2 ✓\nsecond line 🚀"


class FakeClipboardApi:
    def __init__(self) -> None:
        self.classes: dict[str, Any] = {}
        self.windows: dict[int, Any] = {}
        self.memory: dict[int, Any] = {}
        self.formats: dict[int, int | None] = {}
        self.owner: int | None = None
        self.opened_by: int | None = None
        self.sent: list[tuple[int, int, int]] = []  # delivered at the next PeekMessageW
        self.read_on_close = False  # a clipboard monitor that reads every new content
        self._handles = iter(range(0x100, 0x10000))

    def GetModuleHandleW(self, name: None) -> int:
        return 1

    def RegisterClassExW(self, ref: Any) -> int:
        self.classes[ref._obj.lpszClassName] = ref._obj.lpfnWndProc
        return 1

    def CreateWindowExW(self, *args: Any) -> int:
        assert args[8] == win32.HWND_MESSAGE
        hwnd = next(self._handles)
        self.windows[hwnd] = self.classes[args[1]]
        return hwnd

    def DestroyWindow(self, hwnd: int) -> int:
        del self.windows[hwnd]
        return 1

    def UnregisterClassW(self, name: str, instance: int) -> int:
        del self.classes[name]
        return 1

    def DefWindowProcW(self, *args: Any) -> int:
        return 0

    def RegisterClipboardFormatW(self, name: str) -> int:
        assert name == MONITOR_EXCLUSION
        return 0xC0DE

    def OpenClipboard(self, hwnd: int | None) -> int:
        if self.opened_by is not None:
            return 0
        self.opened_by = hwnd
        return 1

    def CloseClipboard(self) -> int:
        self.opened_by = None
        if self.read_on_close:
            self.request()
        return 1

    def EmptyClipboard(self) -> int:
        assert self.opened_by is not None, "EmptyClipboard without OpenClipboard"
        if self.owner in self.windows:
            self.windows[self.owner](self.owner, win32.WM_DESTROYCLIPBOARD, 0, 0)
        self.owner, self.formats = self.opened_by, {}
        return 1

    def SetClipboardData(self, kind: int, handle: int | None) -> int:
        self.formats[kind] = handle
        return handle or 0

    def GetClipboardOwner(self) -> int | None:
        return self.owner

    def GlobalAlloc(self, flags: int, size: int) -> int:
        assert flags == win32.GMEM_MOVEABLE
        handle = next(self._handles)
        self.memory[handle] = ctypes.create_string_buffer(size)
        return handle

    def GlobalLock(self, handle: int) -> int:
        return ctypes.addressof(self.memory[handle])

    def GlobalUnlock(self, handle: int) -> int:
        return 1

    def GlobalFree(self, handle: int) -> None:
        del self.memory[handle]

    def PeekMessageW(self, *args: Any) -> int:
        while self.sent:  # sent messages are dispatched inside PeekMessage
            hwnd, message, wparam = self.sent.pop(0)
            self.windows[hwnd](hwnd, message, wparam, 0)
        return 0

    def MsgWaitForMultipleObjects(self, *args: Any) -> int:
        return 0x102  # WAIT_TIMEOUT

    def request(self) -> None:
        """Another program's GetClipboardData(CF_UNICODETEXT) of a promised text."""
        if self.owner is not None and self.formats.get(win32.CF_UNICODETEXT, 0) is None:
            self.sent.append((self.owner, win32.WM_RENDERFORMAT, win32.CF_UNICODETEXT))

    def text(self) -> str:
        data = self.memory[self.formats[win32.CF_UNICODETEXT]].raw  # type: ignore[index]
        return data.decode("utf-16-le").rstrip("\0")


class FakePyperclip:
    PyperclipException = RuntimeError

    def __init__(self) -> None:
        self.copied: list[str] = []

    def paste(self) -> str:
        return "the person's clipboard"

    def copy(self, text: str) -> None:
        self.copied.append(text)


@pytest.fixture
def api(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeClipboardApi]:
    fake = FakeClipboardApi()
    monkeypatch.setattr(win32, "load", lambda: fake)
    return fake


def test_the_text_is_handed_over_when_the_target_asks_and_that_confirms_the_paste(
    api: FakeClipboardApi,
) -> None:
    clipboard = DelayedClipboard(FakePyperclip())
    pressed: list[dict[int, int | None]] = []

    def press_paste() -> None:
        pressed.append(dict(api.formats))  # what the clipboard held when the key went down
        api.request()

    assert clipboard.paste(TEXT, press_paste, timeout=1.0) is True
    assert pressed[0][win32.CF_UNICODETEXT] is None  # promised, not rendered, before the paste
    assert pressed[0][0xC0DE] is not None  # clipboard history and monitors are told to keep out
    assert api.text() == TEXT  # UTF-16 with the surrogate pair of the emoji, NUL-terminated
    assert api.owner is not None
    assert api.windows[api.owner]


def test_nothing_asking_for_the_text_means_no_paste(api: FakeClipboardApi) -> None:
    clip = FakePyperclip()
    clipboard = DelayedClipboard(clip)
    saved = clipboard.save()
    assert clipboard.paste(TEXT, lambda: None, timeout=0.05) is False
    assert clipboard.restore(saved)
    assert clip.copied == ["the person's clipboard"]


def test_a_read_before_the_paste_key_confirms_nothing(
    api: FakeClipboardApi, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(win_clipboard, "PASTE_SETTLE", 0)
    api.read_on_close = True  # a clipboard monitor fetches it as soon as it is offered
    assert DelayedClipboard(FakePyperclip()).paste(TEXT, lambda: None, timeout=0.05) is None
    assert api.text() == TEXT


def test_another_program_taking_the_clipboard_ends_the_wait(api: FakeClipboardApi) -> None:
    clipboard = DelayedClipboard(FakePyperclip())

    def someone_copies() -> None:
        api.OpenClipboard(0x9999)
        api.EmptyClipboard()  # sends WM_DESTROYCLIPBOARD to our window
        api.CloseClipboard()

    started = time.monotonic()
    assert clipboard.paste(TEXT, someone_copies, timeout=5.0) is False
    assert time.monotonic() - started < 1.0  # at once, not after the timeout


def test_closing_leaves_no_promise_and_no_window(api: FakeClipboardApi) -> None:
    clipboard = DelayedClipboard(FakePyperclip())
    clipboard.paste(TEXT, lambda: None, timeout=0)
    clipboard.close()
    assert api.formats == {}  # emptied: nobody can ask a closed window for the text
    assert (api.windows, api.classes) == ({}, {})
