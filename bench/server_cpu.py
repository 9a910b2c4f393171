"""CPU time the local PostgreSQL server spent on a measured span: per message, beside the
wall clock, the figure that says where a peer's lead comes from.

Every process named `postgres` on this machine is counted (backends, the WAL writer, the
checkpointer, autovacuum), from /proc: the benchmark's server runs here, alone. A
backend that starts inside the span counts whole; one that exits inside it would take
its time away, and no run closes a connection before its clock stops. Where /proc or
the server is elsewhere, nothing is recorded and the figure is left out.

`begin()` and `end(start)` stand where a run reads the wall clock, and return what the
clock says; `last` then holds the server's CPU seconds over that span.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

last: float | None = None
_at_begin: float | None = None


def begin() -> float:
    """Start a span: the server's CPU so far; returns `time.perf_counter()`."""
    global _at_begin
    _at_begin = _server_seconds()
    return time.perf_counter()


def end(start: float) -> float:
    """End the span begun at `start`: records `last`; returns the seconds elapsed."""
    global last
    elapsed = time.perf_counter() - start
    now = _server_seconds()
    last = None if now is None or _at_begin is None else now - _at_begin
    return elapsed


def per_message_us(count: int) -> float | None:
    """The last span's server CPU per message, in microseconds."""
    return None if last is None else last / count * 1e6


def _server_seconds() -> float | None:
    """User + system CPU seconds of every `postgres` process now, or None without /proc."""
    proc = Path("/proc")
    if not proc.is_dir():
        return None
    ticks = 0
    for stat in proc.glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:  # it exited meanwhile
            continue
        if text[text.index("(") + 1 : text.rindex(")")] != "postgres":
            continue
        fields = text.rsplit(")", 1)[1].split()
        ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK") if ticks else None
