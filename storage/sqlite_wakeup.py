"""Cross-process wake-up for SQLite: a sender tells idle dispatchers that a message waits.

PostgreSQL has LISTEN/NOTIFY for this; SQLite has nothing, so each dispatcher
binds a Unix datagram socket in a folder named after the database, and after
committing, a sender drops a datagram into every socket there: the lane and id of
a message it stored alone (`storage.announcements`), else one byte. The dispatcher
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
import json
import logging
import os
import secrets
import socket
import tempfile
from collections.abc import Callable
from pathlib import Path

import anyio

from swarmbus.storage.announcements import Named

logger = logging.getLogger(__name__)

SUFFIX = ".sock"
UNNAMED = b"!"  # a wake-up that names no message
PAYLOAD_BYTES = 1024  # read per datagram: a lane (an agent's name) and an id fit
# Datagrams a socket queues before senders' next ones are dropped (Linux's
# net.unix.max_dgram_qlen, 10 by default): a listener that read this many may have lost one.
QUEUE_LENGTH = 10
_sender: socket.socket | None = None


@functools.lru_cache(maxsize=64)
def channel_dir(db_location: str) -> Path:
    """The folder of wake-up sockets for one database (short, so paths fit AF_UNIX)."""
    real = os.path.realpath(db_location.removeprefix("sqlite:///"))
    digest = hashlib.sha1(real.encode("utf-8"), usedforsecurity=False).hexdigest()[:16]
    uid = os.getuid() if hasattr(os, "getuid") else 0
    return Path(tempfile.gettempdir()) / f"swarmbus-{uid}" / digest


def datagram(named: Named | None) -> bytes:
    """What a wake-up says: the lane and id of a message sent alone, else nothing."""
    if named is None:
        return UNNAMED
    return json.dumps(named, separators=(",", ":")).encode()


def notify(db_location: str, skip: Path | None = None, payload: bytes = UNNAMED) -> int:
    """Wake every dispatcher of this database; return how many were reached.

    `skip`: a socket not to write to, the writer's own listener (see `OneHop.listen`).
    `payload`: what the wake-up says (`datagram`).
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
            _sender.sendto(payload, entry.path)
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

    async def serve(
        self, wake: Callable[[], None], hear: Callable[[str], None] | None = None
    ) -> None:
        """Call `wake` for each wake-up a sender sent, `hear` first with what it said;
        runs until cancelled."""
        if self._socket is None:
            return
        while True:
            await anyio.wait_readable(self._socket)
            said = self._drain()
            for payload in said:
                if hear is not None:
                    hear(payload.decode(errors="replace"))
                wake()
            if len(said) >= QUEUE_LENGTH:
                wake()  # the queue filled: a sender may have dropped one, which named nothing

    def _drain(self) -> list[bytes]:
        assert self._socket is not None
        said: list[bytes] = []
        with contextlib.suppress(BlockingIOError, InterruptedError):
            while payload := self._socket.recv(PAYLOAD_BYTES):
                said.append(payload)
        return said

    def close(self) -> None:
        sock, self._socket = self._socket, None
        if sock is not None:
            sock.close()
        if self.path is not None:
            with contextlib.suppress(OSError):
                self.path.unlink()
