"""Cross-process wake-up for SQLite: a sender tells idle dispatchers that a message waits.

PostgreSQL has LISTEN/NOTIFY for this; SQLite has nothing, so each dispatcher
binds a Unix datagram socket in a folder named after the database, and after
committing, a sender drops one byte into every socket there. The dispatcher
sleeps in `wait_readable` (no polling, no CPU) and wakes within a fraction of a
millisecond. Sockets of dispatchers that died are removed by the first sender
that finds them refusing. Where Unix sockets are missing, the connector polls
`PRAGMA data_version` instead.
"""

from __future__ import annotations

import atexit
import contextlib
import functools
import hashlib
import logging
import os
import secrets
import socket
import tempfile
from collections.abc import Callable
from pathlib import Path

import anyio

logger = logging.getLogger(__name__)

SUFFIX = ".sock"
_sender: socket.socket | None = None


@functools.lru_cache(maxsize=64)
def channel_dir(db_location: str) -> Path:
    """The folder of wake-up sockets for one database (short, so paths fit AF_UNIX)."""
    real = os.path.realpath(db_location.removeprefix("sqlite:///"))
    digest = hashlib.sha1(real.encode("utf-8"), usedforsecurity=False).hexdigest()[:16]
    uid = os.getuid() if hasattr(os, "getuid") else 0
    return Path(tempfile.gettempdir()) / f"swarmbus-{uid}" / digest


def notify(db_location: str, skip: Path | None = None) -> int:
    """Wake every dispatcher of this database; return how many were reached.

    `skip`: a socket not to write to, the writer's own listener (see `OneHop.listen`).
    """
    global _sender
    if not hasattr(socket, "AF_UNIX"):
        return 0
    try:
        entries = list(os.scandir(channel_dir(db_location)))
    except OSError:
        return 0
    if _sender is None:
        _sender = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        _sender.setblocking(False)
        atexit.register(_sender.close)
    reached = 0
    for entry in entries:
        if not entry.name.endswith(SUFFIX) or (skip is not None and entry.path == str(skip)):
            continue
        try:
            _sender.sendto(b"!", entry.path)
            reached += 1
        except (ConnectionRefusedError, FileNotFoundError):
            with contextlib.suppress(OSError):
                os.unlink(entry.path)  # its dispatcher is gone
        except BlockingIOError:
            reached += 1  # its queue is full: it has wake-ups waiting already
        except OSError as exc:
            logger.debug("wake-up of %s failed: %s", entry.path, exc)
    return reached


class Listener:
    """A dispatcher's wake-up socket."""

    def __init__(self, db_location: str) -> None:
        self._folder = channel_dir(db_location)
        self._socket: socket.socket | None = None
        self.path: Path | None = None

    @property
    def active(self) -> bool:
        return self._socket is not None

    def open(self) -> bool:
        """Bind the socket; False (and polling instead) where that is impossible."""
        if not hasattr(socket, "AF_UNIX"):
            return False
        sock = None
        try:
            self._folder.mkdir(mode=0o700, parents=True, exist_ok=True)
            path = self._folder / f"{os.getpid()}-{secrets.token_hex(4)}{SUFFIX}"
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
            sock.setblocking(False)
            sock.bind(str(path))  # fails for a path too long for AF_UNIX, too
        except OSError as exc:
            if sock is not None:
                sock.close()
            logger.warning("no wake-up socket (%s); polling the database instead", exc)
            return False
        self._socket, self.path = sock, path
        return True

    async def serve(self, wake: Callable[[], None]) -> None:
        """Call `wake` whenever a sender notifies; runs until cancelled."""
        if self._socket is None:
            return
        while True:
            await anyio.wait_readable(self._socket)
            self._drain()
            wake()

    def _drain(self) -> None:
        assert self._socket is not None
        with contextlib.suppress(BlockingIOError, InterruptedError):
            while self._socket.recv(64):
                pass

    def close(self) -> None:
        sock, self._socket = self._socket, None
        if sock is not None:
            sock.close()
        if self.path is not None:
            with contextlib.suppress(OSError):
                self.path.unlink()
