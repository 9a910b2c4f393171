"""macOS: put a promise on the pasteboard, so delivery sees the target read the text.

`declareTypes:owner:` puts the string type on the general pasteboard with no
data; when the target pastes, the pasteboard server asks the owner through
`pasteboard:provideDataForType:`, the text is handed over then, and that is
the read signal the submit key waits for. The request arrives through the run
loop of the thread that declared the promise, so the GUI thread runs its run
loop while it waits. A request that comes before the paste key (a clipboard
manager, Universal Clipboard) is not taken as the target's read
(`paste_confirmed: null`). Whether the request reaches a thread other than the
main one is checked by the macOS CI job (tests/desktops/smoke.py), not here.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from typing import Any

from swarmbus.bus.transports.clipboard import PASTE_SETTLE, read_verdict

RUN_SLICE = 0.02  # seconds the run loop runs between checks

_active: PromisedPasteboard | None = None  # the pasteboard whose promise is out


@functools.cache
def _owner_class() -> Any:
    """The Objective-C class of the promise's owner (an ObjC class is defined once a process)."""
    from Foundation import NSObject

    class SwarmbusPasteboardOwner(NSObject):  # type: ignore[misc]
        def pasteboard_provideDataForType_(self, board: Any, kind: Any) -> None:
            if _active is not None:
                _active.provide(board, kind)

        def pasteboardChangedOwner_(self, board: Any) -> None:
            if _active is not None:
                _active.lost = True

    return SwarmbusPasteboardOwner


class PromisedPasteboard:
    """The general pasteboard, with pastes confirmed by the promise being called in."""

    confirmation = "pasteboard_promise"

    def __init__(self) -> None:
        from AppKit import NSPasteboard, NSPasteboardTypeString

        self._board = NSPasteboard.generalPasteboard()
        self._type = NSPasteboardTypeString
        self._owner = _owner_class().alloc().init()
        self._text = ""
        self.provided = self.lost = False

    def save(self) -> str | None:
        text = self._board.stringForType_(self._type)
        return None if text is None else str(text)

    def paste(self, text: str, press_paste: Callable[[], None], timeout: float) -> bool | None:
        """Promise `text`, press the paste key, run the run loop until the target asks for it."""
        global _active
        _active, self._text = self, text
        self.provided = self.lost = False
        self._board.declareTypes_owner_([self._type], self._owner)
        run_until(lambda: False, 0)
        early = self.provided
        press_paste()
        run_until(lambda: self.provided or self.lost, timeout)
        if early:
            time.sleep(PASTE_SETTLE)
        return read_verdict(early, self.provided)

    def provide(self, board: Any, kind: Any) -> None:
        """pasteboard:provideDataForType: — hand the text over now."""
        if str(kind) == str(self._type):
            self.provided = bool(board.setString_forType_(self._text, kind)) or self.provided

    def restore(self, saved: str | None) -> bool:
        global _active
        _active = None
        self._board.clearContents()
        return saved is None or bool(self._board.setString_forType_(saved, self._type))


def run_until(done: Callable[[], bool], timeout: float) -> bool:
    """Run this thread's run loop in slices until `done()` or `timeout` seconds pass."""
    from Foundation import NSDate, NSDefaultRunLoopMode, NSRunLoop

    loop = NSRunLoop.currentRunLoop()
    deadline = time.monotonic() + timeout
    while not done():  # at least one pass, so a request already waiting is served
        remaining = max(0.0, min(RUN_SLICE, deadline - time.monotonic()))
        until = NSDate.dateWithTimeIntervalSinceNow_(remaining)
        if not loop.runMode_beforeDate_(NSDefaultRunLoopMode, until):
            time.sleep(remaining)  # no input source on this thread yet
        if time.monotonic() >= deadline:
            break
    return done()
