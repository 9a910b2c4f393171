"""One thread for every GUI action of the process (the aiosqlite shape).

pyautogui, the clipboard and python-xlib block, and none of them may be used
from two threads at once; there is one mouse anyway. So the process has one
GUI thread, shared by every GUI transport in it: callers queue a function,
the thread runs the queue in order with the thread's own resource (built on
first use, on that thread), and resolves each caller's future on the caller's
event loop with `call_soon_threadsafe`. A sentinel stops it after the queue
has drained.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
from collections.abc import Callable
from typing import Any, Generic, TypeVar

import anyio.to_thread

logger = logging.getLogger(__name__)

R = TypeVar("R")
T = TypeVar("T")
_STOP = object()


class GuiThread(Generic[R]):
    """A worker thread that owns one resource `R` and runs jobs against it in order.

    :param setup: builds the resource on the thread, at the first job.
    :param teardown: releases it when the thread stops.
    """

    def __init__(
        self, setup: Callable[[], R], teardown: Callable[[R], None], name: str = "swarmbus-gui"
    ) -> None:
        self._setup = setup
        self._teardown = teardown
        self._resource: R | None = None
        self._queue: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    async def call(self, job: Callable[[R], T]) -> T:
        """Run `job(resource)` on the thread and return its result (or raise its exception)."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[T] = loop.create_future()
        self._queue.put((loop, future, job))
        return await future

    async def aclose(self) -> None:
        """Finish the queued jobs, release the resource, and end the thread."""
        self._queue.put(_STOP)
        await anyio.to_thread.run_sync(self._thread.join)

    def _run(self) -> None:
        while (item := self._queue.get()) is not _STOP:
            loop, future, job = item
            try:
                outcome, failed = job(self._get()), False
            except BaseException as exc:  # handed to the caller, like aiosqlite does
                outcome, failed = exc, True
            try:
                loop.call_soon_threadsafe(_settle, future, outcome, failed)
            except RuntimeError:  # the caller's loop has closed
                logger.debug("GUI job finished after its caller's loop closed")
        if self._resource is not None:
            try:
                self._teardown(self._resource)
            except Exception:
                logger.exception("closing the GUI resources failed")

    def _get(self) -> R:
        if self._resource is None:
            self._resource = self._setup()
        return self._resource


def _settle(future: asyncio.Future[Any], outcome: Any, failed: bool) -> None:
    if future.done():  # the caller was cancelled meanwhile
        return
    if failed:
        future.set_exception(outcome)
    else:
        future.set_result(outcome)


class SharedThread(Generic[R]):
    """The process's one GUI thread, started by its first user and ended by its last."""

    def __init__(self, setup: Callable[[], R], teardown: Callable[[R], None]) -> None:
        self._setup = setup
        self._teardown = teardown
        self._lock = threading.Lock()
        self._thread: GuiThread[R] | None = None
        self._users = 0

    def acquire(self) -> GuiThread[R]:
        with self._lock:
            if self._thread is None:
                self._thread = GuiThread(self._setup, self._teardown)
            self._users += 1
            return self._thread

    async def release(self) -> None:
        with self._lock:
            self._users -= 1
            thread = self._thread if self._users == 0 else None
            if thread is not None:
                self._thread = None
        if thread is not None:
            await thread.aclose()
