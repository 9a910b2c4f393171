"""The X11 backend: monitors, windows and focus read from the X server with python-xlib.

pyautogui checks nothing: the X server clamps a click at (2500, 500) on a
1920-wide screen to the edge, and a point on a second monitor that is no longer
connected lands on some other window. So GUI delivery reads the real layout
before any mouse call. X11 places every monitor inside the root window: there
are no negative coordinates here, unlike Windows and macOS (a monitor left of
the primary one sits at x = 0 and the primary further right). RandR 1.5
monitors, or Xinerama heads, say which parts of the root are on a screen, so a
point in the dead corner between two monitors of different sizes is refused
too; a monitor a client declared outside the root (RandR accepts x < 0) is cut
to the root, since nothing can be shown or clicked there. python-xlib is
imported lazily: this module loads without a display.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from swarmbus.agents.desktop.base import Rect, WindowInfo, failsafe_corners

SEARCH_DEPTH = 3  # levels below a top-level window searched for the app's own window


def display_problem(env: Mapping[str, str] = os.environ) -> str | None:
    """Why no X display can be used from here (None when one can)."""
    name = env.get("DISPLAY")
    if not name:
        return "no display: DISPLAY is not set (GUI delivery needs a desktop session)"
    try:
        display = open_display(name)
    except Exception as exc:  # python-xlib raises several unrelated types here
        return f"cannot open display {name}: {exc}"
    display.close()
    return None


def open_display(name: str | None = None) -> Any:
    """A python-xlib connection to the display `name` (default: $DISPLAY)."""
    from Xlib.display import Display

    return Display(name)


def screens(display: Any) -> list[Rect]:
    """Every connected monitor, cut to the root window; the whole root when no extension says."""
    screen = display.screen()
    root = Rect(0, 0, screen.width_in_pixels, screen.height_in_pixels)
    monitors = _randr_monitors(display) or _xinerama_heads(display)
    inside = [cut for monitor in monitors if (cut := clip(monitor, root)) is not None]
    return inside or [root]


def clip(monitor: Rect, root: Rect) -> Rect | None:
    """The part of `monitor` inside `root` (None: none of it)."""
    left, top = max(monitor.x, root.x), max(monitor.y, root.y)
    right = min(monitor.x + monitor.width, root.x + root.width)
    bottom = min(monitor.y + monitor.height, root.y + root.height)
    if right <= left or bottom <= top:
        return None
    return Rect(left, top, right - left, bottom - top)


def _randr_monitors(display: Any) -> list[Rect]:
    if not display.has_extension("RANDR"):
        return []
    version = display.xrandr_query_version()
    if (version.major_version, version.minor_version) < (1, 5):
        return []
    reply = display.screen().root.xrandr_get_monitors(is_active=True)
    return [Rect(m.x, m.y, m.width_in_pixels, m.height_in_pixels) for m in reply.monitors]


def _xinerama_heads(display: Any) -> list[Rect]:
    if not display.has_extension("XINERAMA") or not display.xinerama_is_active():
        return []
    return [Rect(s.x, s.y, s.width, s.height) for s in display.xinerama_query_screens().screens]


def corners(display: Any) -> set[tuple[int, int]]:
    """The root window's corner pixels: pyautogui's fail-safe trips when the pointer is there."""
    screen = display.screen()
    return failsafe_corners(screen.width_in_pixels, screen.height_in_pixels)


def pointer(display: Any) -> tuple[int, int]:
    """Where the mouse is."""
    reply = display.screen().root.query_pointer()
    return reply.root_x, reply.root_y


def window_at(display: Any, x: int, y: int) -> WindowInfo | None:
    """The application window whose top-level window contains the point (None: bare desktop)."""
    from Xlib.error import BadWindow

    root = display.screen().root
    try:
        top = root.translate_coords(root, x, y).child
        return _app_window(display, top) if top else None
    except BadWindow:  # it closed while we looked
        return None


def focused_window(display: Any) -> WindowInfo | None:
    """The window that receives keys now.

    Without a window manager focus is usually PointerRoot: keys go to the
    window under the pointer, so that is the answer then.
    """
    from Xlib import X
    from Xlib.error import BadWindow

    focus = display.get_input_focus().focus
    if focus in (X.NONE, X.PointerRoot):
        return window_at(display, *pointer(display))
    root = display.screen().root
    window = focus
    try:
        while (parent := window.query_tree().parent) and parent.id != root.id:
            window = parent
        return _app_window(display, window)
    except BadWindow:  # it closed while we looked
        return None


def _app_window(display: Any, top: Any) -> WindowInfo:
    """A top-level window's title: its own, or that of the app window a window manager framed.

    A window manager wraps each app window in a frame without a title; ICCCM
    marks the app's window with WM_STATE.
    """
    wm_state = display.intern_atom("WM_STATE")
    named = None
    for window in _descendants(top, SEARCH_DEPTH):
        if window.get_full_property(wm_state, 0) is not None:
            return _info(display, window)
        if named is None and _title(display, window):
            named = window
    return _info(display, named or top)


def _info(display: Any, window: Any) -> WindowInfo:
    return WindowInfo(window.id, _title(display, window), _process(display, window))


def _descendants(window: Any, depth: int) -> Iterator[Any]:
    """The window, then its children, breadth first, down to `depth` levels."""
    level = [window]
    for _ in range(depth + 1):
        yield from level
        level = [child for parent in level for child in parent.query_tree().children]


def _title(display: Any, window: Any) -> str:
    net_name = window.get_full_text_property(
        display.intern_atom("_NET_WM_NAME"), display.intern_atom("UTF8_STRING")
    )
    return net_name or window.get_wm_name() or ""


def _process(display: Any, window: Any) -> str | None:
    """The owning program's name, looked up in /proc (a local client only).

    The process id comes from _NET_WM_PID where the app sets it (Tk does
    not), else from the X server itself (X-Resource's client ids).
    """
    reply = window.get_full_property(display.intern_atom("_NET_WM_PID"), 0)
    has_pid = reply is not None and len(reply.value) > 0
    pid = int(reply.value[0]) if has_pid else _client_pid(display, window)
    if pid is None:
        return None
    try:
        return Path(f"/proc/{pid}/comm").read_text(encoding="utf-8").strip()
    except OSError:  # gone meanwhile
        return None


def _client_pid(display: Any, window: Any) -> int | None:
    if not display.has_extension("X-Resource"):
        return None
    from Xlib.ext import res

    spec = {"client": window.id, "mask": res.LocalClientPIDMask}
    for found in display.res_query_client_ids([spec]).ids:
        if found.spec.mask == res.LocalClientPIDMask and found.value:
            return int(found.value[0])
    return None


def held_keys(display: Any) -> list[int]:
    """The key codes down on the X server now (its keymap: a bit per key code)."""
    keymap = display.query_keymap()
    return [
        index * 8 + bit for index, byte in enumerate(keymap) for bit in range(8) if byte >> bit & 1
    ]


def release_held_keys(display: Any) -> list[int]:
    """Release every key down on the X server; return their keycodes.

    A process killed between an XTest key press and its release (a dispatcher
    under kill -9, any xdotool) leaves the key down, and the server then repeats
    it: a held Enter submits the chat box again and again, a held Ctrl turns the
    next paste into other shortcuts. The releases go through XTest's own device,
    which holds only synthetic presses: a key a person holds on a real keyboard
    is not on it, so its release there changes nothing.
    """
    from Xlib import X
    from Xlib.ext import xtest

    held = held_keys(display)
    for keycode in held:
        xtest.fake_input(display, X.KeyRelease, keycode)
    if held:
        display.sync()
    return held


class X11Desktop:
    """The `Desktop` of one X display; `display` is the python-xlib connection."""

    name = "x11"
    paste_confirmation = "x11_selection_request"  # see bus/transports/selection.py

    def __init__(self, name: str | None = None) -> None:
        self.display = open_display(name)

    def screens(self) -> list[Rect]:
        return screens(self.display)

    def window_at(self, x: int, y: int) -> WindowInfo | None:
        return window_at(self.display, x, y)

    def focused_window(self) -> WindowInfo | None:
        return focused_window(self.display)

    def pointer(self) -> tuple[int, int]:
        return pointer(self.display)

    def corners(self) -> set[tuple[int, int]]:
        return corners(self.display)

    def release_held_keys(self) -> list[int]:
        return release_held_keys(self.display)

    def close(self) -> None:
        self.display.close()
