"""The macOS backend: displays, windows and focus from Quartz (and AppKit for the front app).

pyautogui already needs pyobjc's Quartz on macOS; AppKit comes with
pyobjc-framework-Cocoa. The calls are thin; the arithmetic and the choice of
window live in `macos_layout`, tested on every platform. Quartz answers from
any thread (delivery runs on its own GUI thread). Window titles
(kCGWindowName) are withheld until the program running swarmbus may record
the screen (System Settings, Privacy & Security, Screen Recording): the
title is None then, and a configured window_title is refused rather than
assumed.
"""

from __future__ import annotations

from typing import Any

from swarmbus.agents.desktop.base import Rect, WindowInfo, failsafe_corners
from swarmbus.agents.desktop.macos_layout import CGDisplay, display_rects, front_window, window_at

MAX_DISPLAYS = 32


def _quartz() -> Any:
    import Quartz

    return Quartz


def list_displays(quartz: Any) -> list[Rect]:
    """Every active display (CGGetActiveDisplayList), in top-left global points."""
    error, ids, count = quartz.CGGetActiveDisplayList(MAX_DISPLAYS, None, None)
    if error:
        raise OSError(f"CGGetActiveDisplayList failed with CGError {error}")
    main = quartz.CGMainDisplayID()
    displays = []
    for display_id in ids[:count]:
        bounds = quartz.CGDisplayBounds(display_id)
        mode = quartz.CGDisplayCopyDisplayMode(display_id)
        pixels = quartz.CGDisplayModeGetPixelWidth(mode) if mode else bounds.size.width
        displays.append(
            CGDisplay(
                bounds.origin.x,
                bounds.origin.y,
                bounds.size.width,
                bounds.size.height,
                int(pixels),
                display_id == main,
            )
        )
    return display_rects(displays)


def window_list(quartz: Any) -> list[dict[str, Any]]:
    """The on-screen windows, front to back, as plain dicts."""
    options = quartz.kCGWindowListOptionOnScreenOnly | quartz.kCGWindowListExcludeDesktopElements
    entries = quartz.CGWindowListCopyWindowInfo(options, quartz.kCGNullWindowID) or []
    return [_plain(entry) for entry in entries]


def _plain(entry: Any) -> dict[str, Any]:
    plain = dict(entry)
    if "kCGWindowBounds" in plain:
        plain["kCGWindowBounds"] = dict(plain["kCGWindowBounds"])
    return plain


class MacDesktop:
    """The `Desktop` of this macOS session."""

    name = "macos"
    paste_confirmation = "pasteboard_promise"  # see bus/transports/mac_pasteboard.py

    def __init__(self) -> None:
        self.quartz = _quartz()

    def screens(self) -> list[Rect]:
        return list_displays(self.quartz)

    def window_at(self, x: int, y: int) -> WindowInfo | None:
        return window_at(window_list(self.quartz), x, y)

    def focused_window(self) -> WindowInfo | None:
        """The front window of the frontmost application (NSWorkspace)."""
        from AppKit import NSWorkspace

        app = NSWorkspace.sharedWorkspace().frontmostApplication()
        if app is None:
            return None
        return front_window(window_list(self.quartz), int(app.processIdentifier()))

    def pointer(self) -> tuple[int, int]:
        location = self.quartz.CGEventGetLocation(self.quartz.CGEventCreate(None))
        return round(location.x), round(location.y)

    def corners(self) -> set[tuple[int, int]]:
        """pyautogui.size() on macOS is the main display's CGDisplayPixelsWide/High."""
        main = self.quartz.CGMainDisplayID()
        width = self.quartz.CGDisplayPixelsWide(main)
        return failsafe_corners(width, self.quartz.CGDisplayPixelsHigh(main))

    def release_held_keys(self) -> list[int]:
        """Nothing: macOS does not repeat an injected key, and without a macOS desktop
        to test on, no key-up is sent blind (a stuck modifier stays a known gap)."""
        return []

    def close(self) -> None:
        """Nothing to release."""


def open_desktop() -> MacDesktop:
    return MacDesktop()
