"""File-system helpers: atomic writes, and reads that stop at a size limit."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import BinaryIO


def atomic_write(path: Path, data: str | bytes, *, durable: bool = True) -> None:
    """Write `data` to `path` so that readers see the old file or the whole new one.

    The bytes go to a temporary file in the same folder, which is then renamed
    over `path`. With `durable`, the file is fsynced before the rename.
    """
    payload = data.encode("utf-8") if isinstance(data, str) else data
    handle, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(payload)
            if durable:
                stream.flush()
                os.fsync(stream.fileno())
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


class TooLarge(Exception):
    """A file or stream held more than the bytes its reader accepts."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"more than {limit:,} bytes")
        self.limit = limit


def read_at_most(stream: BinaryIO, limit: int) -> bytes:
    """All of `stream`, reading no more than `limit` + 1 bytes; `TooLarge` if there is more.

    An endless source (`/dev/zero`, `yes |`) or a huge file then costs at most
    the limit in memory, never gigabytes before a size check.
    """
    data = stream.read(limit + 1)
    if len(data) > limit:
        raise TooLarge(limit)
    return data


def read_file_at_most(path: Path, limit: int) -> bytes:
    """The bytes of the file at `path`, as `read_at_most` reads a stream."""
    with open(path, "rb") as stream:
        return read_at_most(stream, limit)


def size_text(limit: int) -> str:
    """`1 MiB`, `64 KiB`, `100 bytes`: a limit as a person reads it."""
    for unit, size in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if limit >= size and limit % size == 0:
            return f"{limit // size} {unit}"
    return f"{limit:,} bytes"
