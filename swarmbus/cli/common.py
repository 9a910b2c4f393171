"""What every command shares: the global options, error handling, output helpers.

Commands are thin: parse, call one library function, render. Errors a user
caused (`BusError`) become one line on stderr and the error's exit code; a
traceback appears only with `--verbose`.
"""

from __future__ import annotations

import functools
import json
import logging
import os
import sys
import threading
import traceback
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn, ParamSpec, TypeVar

import anyio
import typer

from swarmbus import errors
from swarmbus.printable import json_visible, visible

P = ParamSpec("P")
T = TypeVar("T")

JsonOption = typer.Option(False, "--json", help="Print machine-readable JSON instead of a table.")


@dataclass
class CliState:
    """The global options, shared through the typer context."""

    config: Path | None = None
    db: str | None = None
    verbose: bool = False

    def swarm(self) -> Any:
        """Load the configuration (honouring --config/--db and their variables), as
        `swarmbus.open_bus` does."""
        from swarmbus.bus.opening import load_swarm

        return load_swarm(self.config, db=self.db)

    def operations(self) -> Any:
        """The operations on this swarm's database (`db …`, `doctor`, `resume`)."""
        from swarmbus.bus.operations import Operations

        swarm = self.swarm()
        return Operations(swarm.database, swarm)


def state(ctx: typer.Context) -> CliState:
    obj = ctx.find_root().obj
    return obj if isinstance(obj, CliState) else CliState()


def configure_logging(verbose: bool) -> None:
    """swarmbus's records at WARNING (DEBUG with --verbose), and the libraries' warnings
    and errors, which reach no handler of theirs, through Python's handler of last
    resort: in one format, and a warning's exception in one line. asyncpg's pool, for
    one, logs every attempt to reconnect to a lost server with a whole traceback."""
    level = logging.DEBUG if verbose else logging.WARNING
    root = logging.getLogger("swarmbus")
    root.handlers[:] = [_stderr_handler()]
    root.setLevel(level)
    root.propagate = False
    logging.lastResort = _stderr_handler(logging.WARNING)


def _stderr_handler(level: int = logging.NOTSET) -> logging.Handler:
    handler = logging.StreamHandler(sys.stderr)
    handler.setLevel(level)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(_warning_in_one_line)
    return handler


def _warning_in_one_line(record: logging.LogRecord) -> bool:
    """A warning is an expected condition (a server gone, a retry): its exception is
    named in the line, not traced. Errors keep their traceback: they are bugs."""
    if record.levelno < logging.ERROR and record.exc_info and record.exc_info[1] is not None:
        exc = record.exc_info[1]
        named = visible(f"{type(exc).__name__}: {exc}")
        record.msg, record.args = f"{record.getMessage()} ({named})", None
        record.exc_info, record.exc_text = None, None
    return True


def fail(message: str, code: int = 2) -> typer.Exit:
    """Print one error line on stderr; return the Exit to raise.

    Control characters in the message (a newline in a file name, an ESC from a
    value the user gave) are escaped: the line stays one line, and inert.
    """
    print(f"error: {visible(message)}", file=sys.stderr)
    return typer.Exit(code)


def handle_errors(func: Callable[P, T]) -> Callable[P, T]:
    """Turn `BusError` into one stderr line and its exit code.

    A file-system error nobody caught below (a full disk, a folder that cannot
    be written) is one line too, exit 1: the user can act on it, a traceback
    does not help them.
    """

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> T:
        try:
            return func(*args, **kwargs)
        except (errors.BusError, OSError) as exc:
            if logging.getLogger("swarmbus").isEnabledFor(logging.DEBUG):
                traceback.print_exc(file=sys.stderr)
            if isinstance(exc, errors.BusError):
                raise fail(str(exc), exc.exit_code) from None
            raise fail(describe_os_error(exc), 1) from None
        except KeyboardInterrupt:
            raise fail("interrupted", 130) from None

    return wrapper


def describe_os_error(exc: OSError) -> str:
    """`PATH: No space left on device`, or the error as Python words it."""
    reason = exc.strerror or str(exc)
    return f"{exc.filename}: {reason}" if exc.filename else reason


def exit_now(status: int | str | None) -> NoReturn:
    """End the process without tearing the interpreter down, as mypy does.

    Freeing every module and object at exit takes ~40 ms here, a fifth of a
    `swarmbus send`. Output is flushed and logging shut down first; atexit
    handlers are skipped (swarmbus's own only close sockets, which the OS
    closes anyway). While another thread still runs, the exit is the normal one.
    """
    if threading.active_count() > 1:
        sys.exit(status)
    if isinstance(status, str):  # as SystemExit("message") does
        print(status, file=sys.stderr)
        status = 1
    logging.shutdown()
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except OSError:  # a closed pipe: CPython's own exit status when the final flush fails
        status = 120
    os._exit(status or 0)


def run(async_fn: Callable[..., Awaitable[T]], *args: Any) -> T:
    """Run one coroutine function to completion on a fresh event loop."""
    return anyio.run(async_fn, *args)


def print_json(data: Any) -> None:
    text = json.dumps(data, indent=2, default=str, ensure_ascii=False)
    sys.stdout.write(json_visible(text) + "\n")


def console() -> Any:
    """The rich console for tables (imported only by commands that draw one)."""
    from rich.console import Console

    out = Console(highlight=False, soft_wrap=True)  # text lines stay whole; tables fit the width
    if not out.is_terminal:  # pipes and logs get whole lines, not 80 columns
        out.width = max(out.width, 160)
    return out


def table(title: str | None, columns: list[str], rows: list[list[Any]]) -> Any:
    """A rich table that shows its text as it is, and never drives the terminal.

    Message bodies, paths and names may contain `[...]`: as rich markup they
    would be styled away or raise. They may contain control characters (ESC
    sequences from any sender): those are shown as escapes. A cell that is
    already a rich `Text` (a styled status) is kept.
    """
    from rich.table import Table
    from rich.text import Text

    result = Table(title=None if title is None else Text(visible(title)), title_justify="left")
    for column in columns:
        result.add_column(column, overflow="fold")
    for row in rows:
        result.add_row(*(cell if isinstance(cell, Text) else Text(_plain(cell)) for cell in row))
    return result


def _plain(cell: Any) -> str:
    """The cell's text with control characters shown as escapes (newlines kept)."""
    return "" if cell is None else visible(str(cell), keep_lines=True)
