"""Put a text on the clipboard for one paste, then give the person their clipboard back.

Each desktop has a way to see the target read the pasted text, and delivery
presses the submit key only after it has: on X11 `selection.ClipboardOwner`
answers the selection request itself; on Windows `win_clipboard` offers the
text by delayed rendering and sees WM_RENDERFORMAT; on macOS `mac_pasteboard`
puts a promise on the pasteboard and sees it called in. On X11 the old content
is read and handed back through xsel (or xclip): their background process
keeps serving it after swarmbus exits, which an in-process owner cannot. Both
are run with timeouts, which pyperclip has not: a clipboard owner that hangs
must not hang delivery. Where nothing can see the read (`PlainClipboard`), a
short settle time stands in for it and the delivery records
`paste_confirmed: null`. Only text survives: an image on the clipboard is lost.
"""

from __future__ import annotations

import logging
import shutil
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:  # python-xlib exists on Linux only
    from swarmbus.agents.desktop.base import Desktop
    from swarmbus.bus.transports.selection import ClipboardOwner

logger = logging.getLogger(__name__)

TOOL_TIMEOUT = 2.0  # seconds an xsel/xclip call may take
HANDOVER_WAIT = 1.0  # seconds for xsel/xclip to take the restored text over
PASTE_SETTLE = 0.15  # seconds to let a paste land where the fetch cannot be observed
TOOLS = {  # read command, write command; xsel first: it answers in ms and closes its pipes
    "xsel": (
        ["xsel", "--clipboard", "--output", "--selectionTimeout", "1000"],
        ["xsel", "--clipboard", "--input"],
    ),
    "xclip": (["xclip", "-selection", "clipboard", "-out"], ["xclip", "-selection", "clipboard"]),
}


class PasteClipboard(Protocol):
    """The clipboard of one desktop, for one paste at a time.

    `confirmation` names how `paste` sees the target read the text (None: it
    cannot); `paste` returns True once it has, False when nothing read it in
    time, None when it cannot tell.
    """

    confirmation: str | None

    def save(self) -> str | None: ...

    def paste(self, text: str, press_paste: Callable[[], None], timeout: float) -> bool | None: ...

    def restore(self, saved: str | None) -> bool: ...


def read_verdict(read_before_press: bool, read: bool) -> bool | None:
    """True: the target read the text; False: nothing did; None: a read we cannot attribute.

    A clipboard manager may fetch a promised text as soon as it is offered;
    such a read, before the paste key, proves nothing about the target.
    """
    return None if read_before_press else read


def for_desktop(desktop: Desktop) -> PasteClipboard:
    """The clipboard that confirms pastes on `desktop`'s platform."""
    if desktop.name == "x11":
        from swarmbus.bus.transports.selection import ClipboardOwner

        tool = find_tool()
        if tool is None:
            raise OSError("neither xsel nor xclip is installed; install xsel")
        return X11Clipboard(ClipboardOwner(desktop.display), ClipTool(tool))  # type: ignore[attr-defined]
    import pyperclip

    if desktop.name == "windows":
        from swarmbus.bus.transports.win_clipboard import DelayedClipboard

        return DelayedClipboard(pyperclip)
    if desktop.name == "macos":
        from swarmbus.bus.transports.mac_pasteboard import PromisedPasteboard

        return PromisedPasteboard()
    return PlainClipboard(pyperclip)


def find_tool() -> str | None:
    """The clipboard command installed here, if any."""
    return next((name for name in TOOLS if shutil.which(name)), None)


@dataclass(frozen=True)
class ClipTool:
    """xsel or xclip, run with a timeout; text goes through as UTF-8, odd bytes kept."""

    name: str

    def read(self) -> str | None:
        """The clipboard's text ('' when empty), or None when it could not be read."""
        try:
            done = subprocess.run(
                TOOLS[self.name][0], capture_output=True, timeout=TOOL_TIMEOUT, check=False
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            logger.warning("cannot read the clipboard: %s", exc, extra={"action": "clipboard"})
            return None
        return done.stdout.decode("utf-8", "surrogateescape") if done.returncode == 0 else None

    def write(self, text: str) -> bool:
        try:
            done = subprocess.run(
                TOOLS[self.name][1],
                input=text.encode("utf-8", "surrogateescape"),
                stdout=subprocess.DEVNULL,  # its background owner must not hold our pipes
                stderr=subprocess.DEVNULL,
                timeout=TOOL_TIMEOUT,
                check=False,
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            logger.warning("cannot restore the clipboard: %s", exc, extra={"action": "clipboard"})
            return False
        return done.returncode == 0


class X11Clipboard:
    """The X11 way: serve the text ourselves, restore through xsel/xclip."""

    confirmation = "x11_selection_request"

    def __init__(self, owner: ClipboardOwner, tool: ClipTool) -> None:
        self._owner = owner
        self._tool = tool

    def save(self) -> str | None:
        """The text to give back afterwards; None for 'leave the clipboard empty'."""
        state = self._owner.holder()
        if state != "other":  # empty, or still ours from a delivery that could not restore
            return None
        return self._tool.read()

    def paste(self, text: str, press_paste: Callable[[], None], timeout: float) -> bool:
        """Offer `text`, press the paste key, and wait until the target has fetched it."""
        self._owner.offer(text)
        press_paste()
        return self._owner.wait_fetched(timeout)

    def restore(self, saved: str | None) -> bool:
        if saved is None:
            self._owner.release()
            return True
        if not self._tool.write(saved):
            self._owner.release()
            return False
        return self._owner.wait_lost(HANDOVER_WAIT)  # the next paste must not race the handover


class PlainClipboard:
    """pyperclip: synchronous copy; the paste's fetch is not observable (confirmation None)."""

    confirmation = None

    def __init__(self, pyperclip: Any) -> None:
        self._clip = pyperclip

    def save(self) -> str | None:
        try:
            return str(self._clip.paste())
        except self._clip.PyperclipException:
            return None

    def paste(self, text: str, press_paste: Callable[[], None], timeout: float) -> bool | None:
        self._clip.copy(text)
        press_paste()
        time.sleep(PASTE_SETTLE)
        return None

    def restore(self, saved: str | None) -> bool:
        self._clip.copy(saved or "")
        return True
