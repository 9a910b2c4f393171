"""What every process driving one screen shares: the screen lock and the fail-safe pause.

Both are files in a per-user folder, named after the X display (one mouse and
one keyboard per display), so two dispatchers, or a dispatcher and
`swarmbus agents test`, never drive the mouse at once, and a fail-safe tripped
in one process pauses them all until a person runs `swarmbus resume`.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import re
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import filelock

from swarmbus.agents import desktop
from swarmbus.fsutil import atomic_write
from swarmbus.model import timefmt

logger = logging.getLogger(__name__)

LOCK_WAIT = 30.0  # seconds a delivery waits for another process's turn at the screen
LOCK_POLL = 0.005  # seconds between tries while another process holds the screen
SLOW_LOCK = 1.0  # seconds of waiting that are worth a log line
PAUSE_PREFIX = "gui-paused-"
_DISPLAY = re.compile(r"^(?P<host>[^:]*):(?P<number>\d+)(?:\.\d+)?$")


class ScreenBusy(Exception):
    """Another process held the screen lock for longer than the delivery may wait."""


def state_dir() -> Path:
    """The per-user folder of screen locks and pause markers (beside the wake-up sockets)."""
    uid = os.getuid() if hasattr(os, "getuid") else 0
    folder = Path(tempfile.gettempdir()) / f"swarmbus-{uid}"
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    return folder


def screen_key(display: str | None = None) -> str:
    """A file-name-safe name for the screen: 'x11-0' for ':0.0', 'desktop' off X11."""
    if not desktop.is_x11():
        return "desktop"
    name = display if display is not None else os.environ.get("DISPLAY", "")
    match = _DISPLAY.match(name)
    if match is None:
        return "x11-" + (re.sub(r"[^A-Za-z0-9]+", "_", name) or "none")
    host = re.sub(r"[^A-Za-z0-9]+", "_", match["host"])
    return f"x11-{host + '-' if host else ''}{match['number']}"


class ScreenLock:
    """A host-wide lock on one screen: only its holder may use the mouse and keyboard."""

    def __init__(self, key: str, wait: float = LOCK_WAIT) -> None:
        self.path = state_dir() / f"screen-{key}.lock"
        self._lock = filelock.FileLock(self.path, timeout=wait)
        self._wait = wait

    @contextlib.contextmanager
    def held(self) -> Iterator[int]:
        """Hold the lock; yield how many milliseconds we waited for it."""
        started = time.perf_counter()
        try:
            self._lock.acquire(poll_interval=LOCK_POLL)
        except filelock.Timeout:
            raise ScreenBusy(
                f"another process held the screen lock {self.path} for over {self._wait:g} s"
            ) from None
        waited = time.perf_counter() - started
        if waited >= SLOW_LOCK:
            logger.info(
                "waited %.1f s for the screen lock", waited, extra={"action": "screen_lock_wait"}
            )
        try:
            yield round(waited * 1000)
        finally:
            self._lock.release()


@dataclass(frozen=True)
class Pause:
    """Why GUI delivery on a screen stopped, and when."""

    reason: str
    paused_at: datetime
    screen: str

    def describe(self) -> str:
        when = self.paused_at.astimezone().strftime("%Y-%m-%d %H:%M:%S")
        return (
            f"paused by fail-safe at {when} ({self.reason}); move the mouse out of the "
            "corner, then run 'swarmbus resume'"
        )


class PauseMarker:
    """The marker file of one screen: present while its GUI delivery is paused."""

    def __init__(self, key: str) -> None:
        self.key = key
        self.path = state_dir() / f"{PAUSE_PREFIX}{key}.json"
        self._cache: tuple[float, Pause | None] | None = None

    def read(self) -> Pause | None:
        """The pause in force, if any (cheap: the file is parsed only when it changed)."""
        try:
            stamp = self.path.stat().st_mtime
        except FileNotFoundError:
            return None
        if self._cache is None or self._cache[0] != stamp:
            self._cache = (stamp, self._parse())
        return self._cache[1]

    def set(self, reason: str) -> Pause:
        pause = Pause(reason, timefmt.utcnow(), self.key)
        data = {"reason": reason, "paused_at": timefmt.to_text(pause.paused_at), "pid": os.getpid()}
        atomic_write(self.path, json.dumps(data) + "\n")
        logger.warning(
            "GUI delivery on %s %s", self.key, pause.describe(), extra={"action": "gui_paused"}
        )
        return pause

    def clear(self) -> Pause | None:
        """Remove the marker; return the pause it held, if any."""
        pause = self.read()
        self.path.unlink(missing_ok=True)
        return pause

    def _parse(self) -> Pause | None:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            return Pause(str(data["reason"]), timefmt.from_text(data["paused_at"]), self.key)
        except FileNotFoundError:
            return None
        except (OSError, ValueError, KeyError, TypeError):  # damaged: still paused
            return Pause("marker file unreadable", timefmt.utcnow(), self.key)


def all_markers() -> list[PauseMarker]:
    """The pause markers of every screen of this user."""
    keys = sorted(
        p.name[len(PAUSE_PREFIX) : -len(".json")] for p in state_dir().glob(f"{PAUSE_PREFIX}*.json")
    )
    return [PauseMarker(key) for key in keys if key]
