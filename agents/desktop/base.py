"""What every desktop backend answers: the monitors, the window at a point, the focused window.

GUI delivery, `swarmbus agents check|calibrate` and the doctor ask these
questions before any mouse call, on X11, Windows and macOS alike. Coordinates
are the virtual-desktop pixels pyautogui clicks in: negative on a monitor left
of or above the primary one on Windows and macOS, never negative on X11 (an X
root window starts at 0, 0). Everything here is plain data and arithmetic:
nothing display-bound is imported.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

PasteConfirmation = str  # how a backend sees the target read the pasted text


@dataclass(frozen=True, slots=True)
class Rect:
    """One monitor in virtual-desktop coordinates; `scale` is its UI scaling (2.0: Retina)."""

    x: int
    y: int
    width: int
    height: int
    scale: float = 1.0

    def contains(self, x: int, y: int) -> bool:
        return self.x <= x < self.x + self.width and self.y <= y < self.y + self.height

    def __str__(self) -> str:
        scaled = "" if self.scale == 1.0 else f" @{self.scale:g}x"
        return f"{self.width}x{self.height}{self.x:+d}{self.y:+d}{scaled}"


@dataclass(frozen=True, slots=True)
class WindowInfo:
    """A top-level application window.

    `title` is None where the platform would not say (macOS withholds other
    apps' titles until the process may record the screen); `process` is the
    owning program's name where it could be read.
    """

    window_id: int
    title: str | None
    process: str | None = None

    def describe(self) -> str:
        title = "title unreadable" if self.title is None else repr(self.title)
        return f"{title} ({self.process})" if self.process else title


class Desktop(Protocol):
    """One backend per platform (x11, windows, macos); see `agents.desktop.open_desktop`.

    `paste_confirmation` names how the backend's clipboard sees the target
    read a paste (None: it cannot, and deliveries say `paste_confirmed: null`).
    """

    name: str
    paste_confirmation: PasteConfirmation | None

    def screens(self) -> list[Rect]:
        """Every monitor that shows part of the desktop."""
        ...

    def window_at(self, x: int, y: int) -> WindowInfo | None:
        """The top-level window under the point (None: bare desktop)."""
        ...

    def focused_window(self) -> WindowInfo | None:
        """The window that receives keys now."""
        ...

    def pointer(self) -> tuple[int, int]:
        """Where the mouse is."""
        ...

    def corners(self) -> set[tuple[int, int]]:
        """The points where pyautogui's fail-safe trips."""
        ...

    def release_held_keys(self) -> list[int]:
        """Release keys a killed process left pressed; their key codes (see x11.py)."""
        ...

    def close(self) -> None: ...


class BackendMissing(Exception):
    """No desktop backend can run here; the message says why and what would fix it."""


def screen_at(x: int, y: int, screens: list[Rect]) -> Rect | None:
    """The screen holding the point, if any."""
    return next((screen for screen in screens if screen.contains(x, y)), None)


def layout(screens: list[Rect]) -> str:
    """The monitors in one line, for messages about a point on none of them."""
    return ", ".join(str(screen) for screen in screens) or "no monitors"


def title_matches(expected: str, title: str) -> bool:
    """The configured title is found in the window's title, ignoring case.

    Chat apps put the open file or chat name into their titles, so a part such
    as 'Cursor' or 'Agent-3' is what people configure.
    """
    return expected.casefold() in title.casefold()


def failsafe_corners(width: int, height: int) -> set[tuple[int, int]]:
    """pyautogui's fail-safe points: the corners of the screen `pyautogui.size()` reports."""
    right, bottom = width - 1, height - 1
    return {(0, 0), (right, 0), (0, bottom), (right, bottom)}
