"""A smoke test of the desktop layer on a real Windows or macOS desktop (the hosted CI's runners).

Run as `python -m tests.desktops.smoke`. It lists the monitors (and checks
that mss, and on macOS NSScreen, see the same ones), reads the window under
the pointer and the focused window, and pastes through the platform's
confirming clipboard from a worker thread, as delivery's GUI thread does,
with another process reading the text back: the read must be seen
(WM_RENDERFORMAT on Windows, the pasteboard promise on macOS). It is not
collected by pytest and cannot run on Linux, where tests/gui covers X11.
"""

from __future__ import annotations

import subprocess
import sys
import threading
import uuid
from typing import Any

from swarmbus.agents import desktop as desktops
from swarmbus.agents.desktop.base import Rect

READ_BACK = "import sys, pyperclip; sys.stdout.buffer.write(pyperclip.paste().encode('utf-8'))"
PASTE_TIMEOUT = 10.0


def geometry(screens: list[Rect]) -> set[tuple[int, int, int, int]]:
    return {(s.x, s.y, s.width, s.height) for s in screens}


def check_monitors(desktop: Any) -> None:
    import mss

    screens = desktop.screens()
    print("monitors:", ", ".join(map(str, screens)))
    assert screens, "no monitor listed"
    assert screens[0].contains(0, 0), "the primary monitor does not hold (0, 0)"
    with mss.MSS() as grabber:
        listed = {(m["left"], m["top"], m["width"], m["height"]) for m in grabber.monitors[1:]}
    assert listed == geometry(screens), f"mss lists {listed}"
    if desktop.name == "macos":
        check_nsscreen(screens)
    if desktop.name == "windows":
        print("DPI awareness:", desktop.dpi_awareness)
        assert desktop.dpi_awareness.startswith("per_monitor"), desktop.dpi_awareness


def check_nsscreen(screens: list[Rect]) -> None:
    """AppKit's bottom-left frames, flipped, are Quartz's top-left display bounds."""
    from AppKit import NSScreen

    from swarmbus.agents.desktop.macos_layout import ScreenFrame, flip_frames

    frames = [
        ScreenFrame(f.origin.x, f.origin.y, f.size.width, f.size.height, s.backingScaleFactor())
        for s in NSScreen.screens()
        if (f := s.frame()) is not None
    ]
    flipped = flip_frames(frames)
    assert geometry(flipped) == geometry(screens), f"NSScreen gives {flipped}"
    assert {s.scale for s in flipped} == {s.scale for s in screens}, "Retina scales differ"


def check_windows(desktop: Any) -> None:
    x, y = desktop.pointer()
    print("pointer:", (x, y), "corners:", sorted(desktop.corners()))
    under = desktop.window_at(x, y)
    focused = desktop.focused_window()
    print("window at the pointer:", under.describe() if under else "none")
    print("focused window:", focused.describe() if focused else "none")
    if focused is not None:
        assert focused.window_id > 0
        assert focused.title is None or isinstance(focused.title, str)


def paste_on_a_worker_thread(desktop: Any) -> None:
    """Offer a text, let another process read it, and see the read; then restore."""
    outcome: dict[str, Any] = {}
    worker = threading.Thread(target=_paste, args=(desktop, outcome), name="swarmbus-gui")
    worker.start()
    worker.join(PASTE_TIMEOUT * 3)
    if "error" in outcome:
        raise outcome["error"]
    print("paste:", outcome)
    assert outcome["confirmed"] is True, "the reading process's request was not seen"
    assert outcome["read"] == outcome["text"], "the other process read something else"
    assert outcome["restored"] == outcome["saved"], "the clipboard was not given back"


def _paste(desktop: Any, outcome: dict[str, Any]) -> None:
    from swarmbus.bus.transports import clipboard as clipboards

    try:
        board = clipboards.for_desktop(desktop)
        reader: list[subprocess.Popen[bytes]] = []
        text = f"swarmbus smoke ✓ {uuid.uuid4()}\nsecond line"
        outcome.update(text=text, saved=board.save(), method=board.confirmation)
        start_reader = lambda: reader.append(  # noqa: E731 - the "paste key" of this test
            subprocess.Popen([sys.executable, "-c", READ_BACK], stdout=subprocess.PIPE)
        )
        outcome["confirmed"] = board.paste(text, start_reader, PASTE_TIMEOUT)
        outcome["read"] = reader[0].communicate(timeout=PASTE_TIMEOUT)[0].decode("utf-8")
        board.restore(outcome["saved"])
        outcome["restored"] = board.save()
        getattr(board, "close", lambda: None)()
    except BaseException as exc:  # handed to the main thread
        outcome["error"] = exc


def main() -> None:
    print("platform:", sys.platform, "backend:", desktops.backend_name())
    problem = desktops.display_problem()
    assert problem is None, problem
    desktop = desktops.open_desktop()
    try:
        check_monitors(desktop)
        check_windows(desktop)
        paste_on_a_worker_thread(desktop)
    finally:
        desktop.close()
    print("desktop smoke test passed")


if __name__ == "__main__":
    main()
