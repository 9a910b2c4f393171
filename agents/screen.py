"""Where the screens are and which window lies at a point, read from the X server.

pyautogui checks nothing: the X server clamps a click at (2500, 500) on a
1920-wide screen to the edge, and a point on a second monitor that is no longer
connected lands on some other window. So GUI delivery reads the real layout
before any mouse call. X11 places every monitor inside the root window (there
are no negative coordinates there, unlike Windows and macOS); RandR 1.5
monitors, or Xinerama heads, say which parts of the root are on a screen, so a
point in the dead corner between two monitors of different sizes is refused
too. python-xlib is imported lazily: this module loads without a display.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

SEARCH_DEPTH = 3  # levels below a top-level window searched for the app's own window


@dataclass(frozen=True, slots=True)
class Rect:
    """One monitor, in root-window pixels."""

    x: int
    y: int
    width: int
    height: int

    def contains(self, x: int, y: int) -> bool:
        return self.x <= x < self.x + self.width and self.y <= y < self.y + self.height

    def __str__(self) -> str:
        return f"{self.width}x{self.height}{self.x:+d}{self.y:+d}"


@dataclass(frozen=True, slots=True)
class WindowInfo:
    """An application window: its X id and its title ('' when it has none)."""

    window_id: int
    title: str


def is_x11(platform: str = sys.platform) -> bool:
    """Whether this platform's desktop is an X server (everything but macOS and Windows)."""
    return platform not in ("darwin", "win32", "cygwin")


def screen_at(x: int, y: int, screens: list[Rect]) -> Rect | None:
    """The screen holding the point, if any."""
    return next((screen for screen in screens if screen.contains(x, y)), None)


def title_matches(expected: str, title: str) -> bool:
    """The configured title is found in the window's title, ignoring case.

    Chat apps put the open file or chat name into their titles, so a part such
    as 'Cursor' or 'Agent-3' is what people configure.
    """
    return expected.casefold() in title.casefold()


def display_problem(env: Mapping[str, str] = os.environ) -> str | None:
    """Why no X display can be used from here (None when one can)."""
    if not is_x11():
        return None
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
    """Every connected monitor; the whole root window when no extension says more."""
    monitors = _randr_monitors(display) or _xinerama_heads(display)
    if monitors:
        return monitors
    screen = display.screen()
    return [Rect(0, 0, screen.width_in_pixels, screen.height_in_pixels)]


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
    right, bottom = screen.width_in_pixels - 1, screen.height_in_pixels - 1
    return {(0, 0), (right, 0), (0, bottom), (right, bottom)}


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
            return WindowInfo(window.id, _title(display, window))
        if named is None and _title(display, window):
            named = window
    chosen = named or top
    return WindowInfo(chosen.id, _title(display, chosen))


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
