"""A virtual X server and receiver windows for the GUI tests, run as real processes."""

from __future__ import annotations

import itertools
import json
import os
import select
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from swarmbus.fsutil import atomic_write

REPO = Path(__file__).parents[2]
FIRST_DISPLAY = 140  # display numbers tried from here on; low ones belong to desktops
START_TIMEOUT = 20.0  # seconds for Xvfb or a receiver to come up on a busy machine
EXIT_WAIT = 5.0  # seconds for an Xvfb that lost its display number to exit
REPLY_TIMEOUT = 10.0  # seconds for a receiver to answer a command
_tokens = itertools.count(1)


@dataclass
class Xvfb:
    """An Xvfb that picked its own free display number (-displayfd) and is accepting clients."""

    process: subprocess.Popen[bytes]
    display: str

    @classmethod
    def start(cls, *screens: str, options: tuple[str, ...] = ()) -> Xvfb:
        """Start on the first free display number from FIRST_DISPLAY; return once it is ready.

        `options` go to Xvfb as they are (e.g. "+xinerama"; "-noreset" keeps
        RandR monitors set by a client that has disconnected since).
        """
        for number in range(FIRST_DISPLAY, FIRST_DISPLAY + 100):
            if Path(f"/tmp/.X{number}-lock").exists() or Path(f"/tmp/.X11-unix/X{number}").exists():
                continue
            started = cls._try(number, screens or ("1920x1080x24",), options)
            if started is not None:
                return started
        raise RuntimeError("no free X display number")

    @classmethod
    def _try(cls, number: int, screens: tuple[str, ...], options: tuple[str, ...]) -> Xvfb | None:
        """Xvfb writes its display number to -displayfd once it accepts connections."""
        read_end, write_end = os.pipe()
        args = ["Xvfb", f":{number}", "-displayfd", str(write_end), "-nolisten", "tcp"]
        for index, geometry in enumerate(screens):
            args += ["-screen", str(index), geometry]
        args += options
        process = subprocess.Popen(
            args, pass_fds=(write_end,), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        os.close(write_end)
        try:
            answer = _read_line(read_end)
        finally:
            os.close(read_end)
        if answer:
            return cls(process, f":{answer}")
        try:  # the pipe closed before the process is reaped: a loser of a race is exiting
            process.wait(timeout=EXIT_WAIT)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
            raise RuntimeError(f"Xvfb :{number} did not start within {START_TIMEOUT:g} s") from None
        return None  # taken meanwhile: it exited

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)

    def run(self, *command: str) -> None:
        """Run an X client (xrandr...) against this server; fail on a non-zero exit."""
        env = {**os.environ, "DISPLAY": self.display}
        subprocess.run(command, env=env, check=True, capture_output=True, timeout=REPLY_TIMEOUT)


@dataclass
class WindowManager:
    """openbox on a test display: focus follows clicks and _NET_ACTIVE_WINDOW is kept."""

    process: subprocess.Popen[bytes]

    @classmethod
    def start(cls, display: str, home: Path) -> WindowManager:
        env = {**os.environ, "DISPLAY": display, "HOME": str(home)}
        quiet = subprocess.DEVNULL
        process = subprocess.Popen(["openbox", "--sm-disable"], env=env, stdout=quiet, stderr=quiet)
        manager = cls(process)
        manager._await_ready(display)
        return manager

    def _await_ready(self, display: str) -> None:
        """Ready once the root window names a supporting window manager (EWMH)."""
        from Xlib.display import Display

        connection = Display(display)
        check = connection.intern_atom("_NET_SUPPORTING_WM_CHECK")
        deadline = time.monotonic() + START_TIMEOUT
        try:
            while connection.screen().root.get_full_property(check, 0) is None:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("openbox did not start")
                time.sleep(0.02)
        finally:
            connection.close()

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)


def await_keys_released(display: str, timeout: float = START_TIMEOUT) -> None:
    """Wait until no key is down on `display`. A process killed between a key's press and
    its release leaves the key down, and the X server then repeats it (a held Enter
    submits an empty box again and again)."""
    deadline = time.monotonic() + timeout
    while keys_down(display):
        if time.monotonic() > deadline:
            raise TimeoutError(f"a key stayed down on {display} for {timeout:g} s")
        time.sleep(0.005)


def leave_key_down(display: str, keysym: str) -> int:
    """Press a key through XTest and disconnect without releasing it, as a process
    killed mid-keystroke does; return its key code."""
    from Xlib import XK, X
    from Xlib.display import Display
    from Xlib.ext import xtest

    screen = Display(display)
    try:
        keycode = screen.keysym_to_keycode(XK.string_to_keysym(keysym))
        xtest.fake_input(screen, X.KeyPress, keycode)
        screen.sync()
    finally:
        screen.close()
    return keycode


def keys_down(display: str) -> list[int]:
    from swarmbus.agents.desktop import x11

    screen = x11.open_display(display)
    try:
        return x11.held_keys(screen)
    finally:
        screen.close()


def _read_line(fd: int) -> str:
    """Read up to the newline: Xvfb dies of EPIPE if the pipe closes before it wrote it."""
    data = b""
    deadline = time.monotonic() + START_TIMEOUT
    while not data.endswith(b"\n"):
        ready, _, _ = select.select([fd], [], [], max(0.0, deadline - time.monotonic()))
        chunk = os.read(fd, 64) if ready else b""
        if not chunk:
            break
        data += chunk
    return data.decode().strip()


@dataclass
class Receiver:
    """A receiver window (tests/gui/receiver.py) and what it has recorded."""

    title: str
    geometry: str  # WxH+X+Y
    folder: Path
    process: subprocess.Popen[bytes] | None = None
    mark: int = field(default=0)

    @property
    def out(self) -> Path:
        return self.folder / "submissions.jsonl"

    @property
    def control(self) -> Path:
        return self.folder / "control.txt"

    @property
    def point(self) -> tuple[int, int]:
        """The middle of the text box, in screen pixels."""
        size, x, y = self.geometry.replace("-", "+").split("+")
        width, height = (int(n) for n in size.split("x"))
        return int(x) + width // 2, int(y) + height // 2

    def start(self, display: str) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        env = {**os.environ, "DISPLAY": display}
        args = [str(self.out), str(self.control), self.geometry, self.title]
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.gui.receiver", *args],
            cwd=REPO,
            env=env,
        )
        self._await_reply("ready", START_TIMEOUT)

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)

    def command(self, verb: str, text: str = "") -> None:
        """Run a command in the receiver once it has handled every event sent before."""
        token = f"t{next(_tokens)}"
        atomic_write(self.control, f"{verb} {token} {text}")
        self._await_reply(token, REPLY_TIMEOUT)

    def reset(self) -> None:
        """Empty the box and count submissions from here on."""
        self.command("clear")
        self.mark = len(self.all_submissions())

    def submissions(self) -> list[str]:
        """What was submitted since the last reset, once earlier keys are all handled."""
        self.command("sync")
        return self.all_submissions()[self.mark :]

    def all_submissions(self) -> list[str]:
        try:
            lines = self.out.read_text(encoding="utf-8").splitlines()
        except FileNotFoundError:
            return []
        return [json.loads(line) for line in lines]

    def _await_reply(self, token: str, timeout: float) -> None:
        done = self.control.with_suffix(".done")
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if done.exists() and done.read_text(encoding="utf-8") == token:
                return
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(f"receiver {self.title!r} exited ({self.process.returncode})")
            time.sleep(0.005)
        raise TimeoutError(f"receiver {self.title!r} did not answer {token!r} in {timeout:g} s")
