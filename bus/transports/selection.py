"""Own the X11 CLIPBOARD in-process, so delivery knows when the target has read the text.

Handing the text to xsel or xclip leaves two races that lose messages (measured
on a Tk window: 24 of 30 deliveries wrong): their background process takes the
selection a moment after the command returns, so Ctrl+V may paste the old
clipboard; and the target fetches the text asynchronously, so an Enter pressed
right after Ctrl+V submits the box before the text is in it. Serving the
selection ourselves removes both: ownership is taken before Ctrl+V, and the
submit key is pressed only once the target has fetched a text target (ICCCM
conversion, INCR for large texts). If nothing fetches the text, the click
missed a place that accepts paste, and the delivery fails before Enter.
"""

from __future__ import annotations

import select
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from Xlib import X
from Xlib.protocol import event, request

INCR_CHUNK = 64 * 1024  # bytes; larger texts are sent incrementally (ICCCM INCR)
POLL_SLICE = 0.05  # seconds between deadline checks while waiting for requests
TEXT_TARGETS = ("UTF8_STRING", "text/plain;charset=utf-8", "TEXT", "STRING", "text/plain")
LATIN1_TARGETS = ("STRING", "text/plain")  # ICCCM: STRING is ISO 8859-1


def convert(target: str, data: bytes) -> tuple[str, int, Any] | None:
    """(type, format, value) answering a request for `target`, or None to refuse it."""
    if target == "TARGETS":
        return "ATOM", 32, ["TARGETS", *TEXT_TARGETS]
    if target in LATIN1_TARGETS:
        try:
            return target, 8, data.decode("utf-8").encode("latin-1")
        except UnicodeEncodeError:
            return None  # not representable: the target asks for UTF8_STRING instead
    if target == "TEXT":
        return "UTF8_STRING", 8, data
    return (target, 8, data) if target in TEXT_TARGETS else None


@dataclass
class _Transfer:
    """An INCR transfer in progress: what is left to send to one requestor."""

    requestor: Any
    prop: int
    kind: int
    data: bytes
    offset: int = 0
    finished: bool = False  # the empty end chunk has been written


class _Incremental:
    """ICCCM INCR: the text goes in chunks, each after the requestor deleted the last one."""

    def __init__(self, incr_atom: int) -> None:
        self._incr = incr_atom
        self._open: dict[tuple[int, int], _Transfer] = {}

    def start(self, requestor: Any, prop: int, kind: int, data: bytes) -> None:
        requestor.change_attributes(event_mask=X.PropertyChangeMask)
        requestor.change_property(prop, self._incr, 32, [len(data)])
        self._open[(requestor.id, prop)] = _Transfer(requestor, prop, kind, data)

    def advance(self, window_id: int, prop: int) -> bool:
        """Send the next chunk after a deletion; True once the target has read the end."""
        transfer = self._open.get((window_id, prop))
        if transfer is None:
            return False
        if transfer.finished:
            del self._open[(window_id, prop)]
            transfer.requestor.change_attributes(event_mask=X.NoEventMask)
            return True
        chunk = transfer.data[transfer.offset : transfer.offset + INCR_CHUNK]
        transfer.requestor.change_property(transfer.prop, transfer.kind, 8, chunk)
        transfer.offset += len(chunk)
        transfer.finished = not chunk
        return False

    def clear(self) -> None:
        self._open.clear()


class ClipboardOwner:
    """Serves one text as the CLIPBOARD selection from a hidden window of our own."""

    def __init__(self, display: Any) -> None:
        self._display = display
        self._window = display.screen().root.create_window(0, 0, 1, 1, 0, X.CopyFromParent)
        self._clipboard = display.intern_atom("CLIPBOARD")
        self._incremental = _Incremental(display.intern_atom("INCR"))
        self._data = b""
        self._fetched = False
        self._lost = False

    def holder(self) -> Literal["ours", "none", "other"]:
        """Who holds the clipboard right now."""
        owner = self._display.get_selection_owner(self._clipboard)
        if not owner:
            return "none"
        return "ours" if owner.id == self._window.id else "other"

    def offer(self, text: str) -> None:
        """Take the clipboard with `text`; ownership is in place when this returns."""
        self._serve_until(lambda: True, 0)  # late requests and notices about the last text first
        self._data = text.encode("utf-8", "surrogateescape")
        self._incremental.clear()
        self._fetched = self._lost = False
        self._window.set_selection_owner(self._clipboard, X.CurrentTime)
        if self.holder() != "ours":
            raise OSError("the X server did not give us the clipboard")

    def release(self) -> None:
        """Give the clipboard up, leaving it empty, if we still hold it."""
        if self.holder() == "ours":
            request.SetSelectionOwner(
                display=self._display.display,
                window=X.NONE,
                selection=self._clipboard,
                time=X.CurrentTime,
            )
            self._display.sync()

    def wait_fetched(self, timeout: float) -> bool:
        """Serve requests until a target has fetched the whole text, or `timeout` seconds pass."""
        self._serve_until(lambda: self._fetched or self._lost, timeout)
        self._display.sync()  # our last reply reaches the target before any later key press
        return self._fetched

    def wait_lost(self, timeout: float) -> bool:
        """Serve requests until another program has taken the clipboard over."""
        return self._serve_until(lambda: self._lost or self.holder() != "ours", timeout)

    def close(self) -> None:
        self.release()
        self._window.destroy()
        self._display.flush()

    def _serve_until(self, done: Callable[[], bool], timeout: float) -> bool:
        """Handle events until `done()` holds (True) or `timeout` seconds pass (False)."""
        deadline = time.monotonic() + timeout
        while True:
            while self._display.pending_events():
                self._handle(self._display.next_event())
            if done():
                return True
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            select.select([self._display], [], [], min(remaining, POLL_SLICE))

    def _handle(self, ev: Any) -> None:
        if ev.type == X.SelectionRequest and ev.owner.id == self._window.id:
            self._answer(ev)
        elif ev.type == X.SelectionClear and ev.window.id == self._window.id:
            self._lost = True
        elif ev.type == X.PropertyNotify and ev.state == X.PropertyDelete:
            self._fetched |= self._incremental.advance(ev.window.id, ev.atom)
            self._display.flush()

    def _answer(self, asked: Any) -> None:
        display = self._display
        prop = asked.property or asked.target  # obsolete clients name no property
        reply = convert(display.get_atom_name(asked.target), self._data)
        if reply is None:
            prop = X.NONE
        elif reply[1] == 8 and len(reply[2]) > INCR_CHUNK:
            self._incremental.start(asked.requestor, prop, display.intern_atom(reply[0]), reply[2])
        else:
            kind, fmt, value = reply
            if kind == "ATOM":
                value = [display.intern_atom(name) for name in value]
            asked.requestor.change_property(prop, display.intern_atom(kind), fmt, value)
            self._fetched |= kind != "ATOM"
        notify = event.SelectionNotify(
            time=asked.time,
            requestor=asked.requestor,
            selection=asked.selection,
            target=asked.target,
            property=prop,
        )
        asked.requestor.send_event(notify)
        display.flush()
