"""Bounded retries for database calls that failed for a passing reason.

A lock another process held for longer than the busy timeout, or a server
connection that dropped, are worth another try or three (seed 001 asks for
3, with backoff); anything else is raised at once. Each retry logs one warning
with the error and the tries left.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from swarmbus import errors

logger = logging.getLogger(__name__)

T = TypeVar("T")
RETRIES = 3  # further tries after the first one failed
BACKOFF_INITIAL = 0.05  # seconds, doubled per retry, with jitter
BACKOFF_MAX = 1.0  # seconds


async def retry_transient(operation: Callable[[], Awaitable[T]]) -> T:
    """Run `operation`; on a transient storage error, try again with backoff."""
    try:
        return await operation()
    except errors.TransientStorageError as exc:
        _warn(exc, RETRIES)  # the fast path stays free of tenacity's machinery
    async for attempt in _retrying():
        with attempt:
            return await operation()
    raise AssertionError("unreachable")


def _log_retry(state: Any) -> None:
    _warn(state.outcome.exception() if state.outcome else None, RETRIES - state.attempt_number)


def _warn(exc: BaseException | None, left: int) -> None:
    what = "database busy" if isinstance(exc, errors.DatabaseBusy) else "database connection lost"
    logger.debug("%s: %s", what, exc)
    logger.warning("%s, retrying (%s left)", what, left, extra={"action": "storage_retry"})


def _retrying() -> Any:
    """A fresh retry loop (tenacity is imported here, on the rare path, for start-up time)."""
    import tenacity

    return tenacity.AsyncRetrying(
        retry=tenacity.retry_if_exception_type(errors.TransientStorageError),
        stop=tenacity.stop_after_attempt(RETRIES),
        wait=tenacity.wait_exponential(multiplier=BACKOFF_INITIAL, max=BACKOFF_MAX)
        + tenacity.wait_random(0, BACKOFF_INITIAL),
        before_sleep=_log_retry,
        reraise=True,
    )
