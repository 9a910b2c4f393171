"""The GUI thread's side of a delivery: check the point, lock the screen, click, paste, submit.

Everything here runs on the one GUI thread (`gui_thread`). pyautogui's pause
after every call is set to 0 (it made a paste take 415 ms instead of 15 ms);
the only waits are explicit: the target fetching the clipboard, focus reaching
the clicked window, and the per-agent `submit_delay` and
`clipboard_restore_delay`. The platform's `Desktop` backend is opened before
pyautogui is imported: on Windows it makes the process per-monitor DPI aware,
which only the first such call in a process can do.
"""

from __future__ import annotations

import atexit
import contextlib
import logging
import string
import sys
import time
import warnings
from dataclasses import dataclass
from typing import Any

from swarmbus.agents import desktop as desktops
from swarmbus.agents.config import AgentConfig
from swarmbus.agents.targeting import TargetCheck, TargetRefused
from swarmbus.bus.transports import clipboard as clipboards
from swarmbus.bus.transports.base import DeliveryResult, TransportPaused
from swarmbus.bus.transports.screen_state import PauseMarker, ScreenBusy, ScreenLock

logger = logging.getLogger(__name__)

FAILSAFE_REASON = "the mouse was moved into a screen corner"
TYPEABLE = frozenset(string.printable) - frozenset("\r\x0b\x0c")  # what pyautogui.write can type


@dataclass(frozen=True)
class GuiJob:
    """One text for one agent."""

    agent: AgentConfig
    text: str


def keys(combo: str) -> list[str]:
    """'ctrl+enter' -> ['ctrl', 'enter'] for pyautogui.hotkey."""
    return combo.split("+")


def command_key() -> str:
    """The modifier of paste and select-all: Cmd on macOS, Ctrl on X11 and Windows."""
    return "command" if desktops.backend_name() == "macos" else "ctrl"


def paste_combo(agent: AgentConfig) -> str:
    return agent.paste_key or f"{command_key()}+v"


def untypeable(text: str) -> str:
    """The characters of `text` that typing cannot enter, as a short readable list."""
    bad = sorted({char for char in text if char not in TYPEABLE})
    return ", ".join(repr(char) for char in bad[:8]) + (" ..." if len(bad) > 8 else "")


def load_pyautogui() -> Any:
    """Import pyautogui (it needs a display at import time) and turn its pauses off."""
    first = "pyautogui" not in sys.modules
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)  # see _tidy_import
        import pyautogui

    if first:
        _tidy_import()
    pyautogui.PAUSE = 0
    pyautogui.FAILSAFE = True
    return pyautogui


def _tidy_import() -> None:
    """Close what pyautogui's helpers leave open at import, so nothing leaks until exit.

    pyscreeze and mouseinfo keep the pipes of a `which scrot` they ran, and
    open X connections; we use only pyautogui's own, closed at exit.
    """
    for name in ("pyscreeze", "mouseinfo"):
        module = sys.modules.get(name)
        process = getattr(module, "whichProc", None)
        for stream in (getattr(process, "stdout", None), getattr(process, "stderr", None)):
            if stream is not None:
                stream.close()
    spare = getattr(sys.modules.get("mouseinfo"), "_display", None)
    if spare is not None:
        spare.close()
    own = getattr(sys.modules.get("pyautogui._pyautogui_x11"), "_display", None)
    if own is not None:
        atexit.register(_close_quietly, own)


def _close_quietly(display: Any) -> None:
    with contextlib.suppress(Exception):  # the X server may be gone by exit time
        display.close()


class Desk:
    """The GUI thread's tools: the desktop backend, pyautogui, the clipboard, the screen's lock."""

    def __init__(self, key: str) -> None:
        self.desktop = desktops.open_desktop()  # first: DPI awareness precedes pyautogui
        try:
            self.clipboard = clipboards.for_desktop(self.desktop)
            self.gui = load_pyautogui()
        except BaseException:
            self.desktop.close()
            raise
        self.lock = ScreenLock(key)
        self.pause = PauseMarker(key)

    def close(self) -> None:
        close = getattr(self.clipboard, "close", None)
        if close is not None:
            close()
        self.desktop.close()


def deliver(desk: Desk, job: GuiJob) -> DeliveryResult:
    """Deliver one text (on the GUI thread); raise `TransportPaused` after a fail-safe."""
    return _Attempt(desk, job).run()


class _Attempt:
    """One delivery: every check passes before the first key is pressed."""

    def __init__(self, desk: Desk, job: GuiJob) -> None:
        self.desk = desk
        self.job = job
        self.agent = job.agent
        self.check = TargetCheck(desk.desktop, job.agent)
        self.typing = job.agent.input_method == "type"
        self.details: dict[str, Any] = {}
        self.touched = False  # whether text may have reached the window

    def run(self) -> DeliveryResult:
        try:
            if self.typing and (bad := untypeable(self.job.text)):
                raise TargetRefused(
                    f'typing cannot enter {bad}; use input_method = "paste" for this agent'
                )
            self.check.check_point()  # before any mouse call
            with self.desk.lock.held() as waited:
                self.details["lock_wait_ms"] = waited
                self._drive()
        except (TargetRefused, ScreenBusy) as refused:
            return self._result(str(refused))
        except self.desk.gui.FailSafeException:
            reason = self.desk.pause.set(FAILSAFE_REASON).describe()
            raise TransportPaused(reason, touched=self.touched) from None
        return self._result(None)

    def _drive(self) -> None:
        """Click, check the window, put the text in, submit (the screen lock is held)."""
        pause = self.desk.pause.read()  # another process may have paused while we waited
        if pause is not None:
            raise TransportPaused(pause.describe())
        self._release_held_keys()
        target = self.check.window_at_point()
        self.desk.gui.click(*self.check.point)
        self.check.await_focus(target)
        if self.agent.clear_before_paste:
            self.desk.gui.hotkey(command_key(), "a")
            self.desk.gui.press("backspace")
        self.touched = True
        if self.typing:
            self._type()
            self._submit()
        else:
            self._paste_and_submit()

    def _release_held_keys(self) -> None:
        """No key may be down when ours go in: with the screen lock held, none of our
        dispatchers is mid-keystroke, so a key down now was left by a killed one."""
        held = _release_and_report(self.desk)
        if held:
            self.details["released_keys"] = held

    def _paste_and_submit(self) -> None:
        clipboard = self.desk.clipboard
        combo, timeout = paste_combo(self.agent), self.agent.paste_timeout
        saved = clipboard.save()
        try:
            confirmed = clipboard.paste(
                self.job.text, lambda: self.desk.gui.hotkey(*keys(combo)), timeout
            )
            self.check.coordinates["paste_confirmed"] = confirmed
            self.check.coordinates["paste_confirmation"] = clipboard.confirmation
            if confirmed is False:
                raise TargetRefused(
                    f"nothing read the clipboard within {timeout:g} s of {combo}: the click "
                    f"at {self.check.point} missed a text input, or the window refuses paste "
                    '(input_method = "type" types instead); the message was not submitted'
                )
            self._submit()
            time.sleep(self.agent.clipboard_restore_delay)
        finally:
            self.details["clipboard_restored"] = clipboard.restore(saved)

    def _type(self) -> None:
        """Type line by line; `newline_key` between lines, since Enter would submit."""
        for number, line in enumerate(self.job.text.split("\n")):
            if number:
                self.desk.gui.hotkey(*keys(self.agent.newline_key))
            self.desk.gui.write(line)

    def _submit(self) -> None:
        time.sleep(self.agent.submit_delay)
        self.desk.gui.hotkey(*keys(self.agent.submit_key))

    def _result(self, error: str | None) -> DeliveryResult:
        return DeliveryResult(
            method="pyautogui_typing" if self.typing else "pyautogui",
            error=error,
            coordinates=self.check.coordinates,
            coordinate_status=self.check.status,
            details=self.details,
        )


def release_left_keys(desk: Desk) -> list[int]:
    """At a dispatcher's start: release the keys a killed one left held down, under the
    screen lock, so that a held Enter stops repeating into whatever window has the
    keyboard now instead of at the next GUI delivery, which may be hours away."""
    with desk.lock.held():
        return _release_and_report(desk)


def _release_and_report(desk: Desk) -> list[int]:
    held = desk.desktop.release_held_keys()
    if held:
        logger.warning(
            "released key codes %s left held down by a killed process",
            held,
            extra={"action": "gui_keys"},
        )
    return held
