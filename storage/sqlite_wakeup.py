"""Cross-process wake-up for SQLite: a sender tells idle dispatchers that a message waits.

PostgreSQL has LISTEN/NOTIFY for this; SQLite has nothing, so each dispatcher
binds a Unix datagram socket in a folder named after the database, and after
committing, a sender drops a datagram into every socket there: the lane and id of
a message it stored alone (`storage.announcements`), else one byte. The dispatcher
sleeps in `wait_readable` (no polling, no CPU) and wakes within a fraction of a
millisecond. Sockets of dispatchers that died are removed by the first sender
that finds them refusing. Where Unix sockets are missing, the connector polls
`PRAGMA data_version` instead.

A sender lists the folder again only when it changed (`_sockets`): listing it
was three system calls of every send, 8% of a sender's time with 8 processes
sending into one file (py-spy), where a `stat` is one.
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
import time
from collections.abc import Callable
from dataclasses import dataclass
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
# A folder listing is trusted while the folder's modification time stays what it was,
# once the listing was taken this long after it (nanoseconds): a change within the same
# tick of a coarse clock (a jiffy; 2 s on FAT) would otherwise leave the time as it was.
SETTLED_NS = 2_000_000_000
_sender: socket.socket | None = None


@dataclass(frozen=True, slots=True)
class _Listing:
    changed_ns: int  # the folder's modification time when it was listed
    settled: bool  # listed SETTLED_NS or more after that
    paths: tuple[str, ...]  # its sockets


_listings: dict[Path, _Listing] = {}


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
    paths = _sockets(channel_dir(db_location))
    if not paths:
        return 0
    if _sender is None:
        _sender = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        _sender.setblocking(False)
        atexit.register(_sender.close)
    reached, skipped = 0, None if skip is None else str(skip)
    for path in paths:
        if path == skipped:
            continue
        try:
            _sender.sendto(payload, path)
            reached += 1
        except (ConnectionRefusedError, FileNotFoundError):
            with contextlib.suppress(OSError):
                os.unlink(path)  # its dispatcher is gone (the folder changes: listed again)
        except BlockingIOError:
            reached += 1  # its queue is full: it has wake-ups waiting already
        except OSError as exc:
            logger.debug("wake-up of %s failed: %s", path, exc)
    return reached


def _sockets(folder: Path) -> tuple[str, ...]:
    """The wake-up sockets in `folder`: listed again only when it changed since (a
    socket bound or removed), or when the last listing came too soon after a change to
    tell a later one by the time (`SETTLED_NS`)."""
    try:
        changed_ns = os.stat(folder).st_mtime_ns
    except OSError:
        return ()
    known = _listings.get(folder)
    if known is not None and known.settled and known.changed_ns == changed_ns:
        return known.paths
    listed_ns = time.time_ns()
    try:
        paths = tuple(e.path for e in os.scandir(folder) if e.name.endswith(SUFFIX))
    except OSError:
        return ()
    _listings[folder] = _Listing(changed_ns, listed_ns - changed_ns >= SETTLED_NS, paths)
    return paths


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
        self, wake: Callable[[], None], hear: Callable[[str], bool] | None = None
    ) -> None:
        """Call `wake` for each wake-up a sender sent, unless `hear`, told first what it
        said, says not to; runs until cancelled."""
        if self._socket is None:
            return
        while True:
            await anyio.wait_readable(self._socket)
            said = self._drain()
            for payload in said:
                if hear is None or hear(payload.decode(errors="replace")):
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
