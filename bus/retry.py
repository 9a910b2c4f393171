"""When a failed delivery is tried again: exponential backoff with jitter."""

from __future__ import annotations

import random
from collections.abc import Callable


def backoff_delay(
    attempt: int,
    *,
    base: float,
    cap: float,
    jitter: float,
    rng: Callable[[], float] = random.random,
) -> float:
    """Seconds to wait before retry number `attempt` (1 is the first retry).

    The nominal delay doubles per attempt from `base` up to `cap`; jitter then
    takes away up to that fraction of it at random, so that a burst of failures
    does not come back as a burst: the result lies in
    ``[nominal * (1 - jitter), nominal]``.
    """
    if attempt < 1:
        raise ValueError(f"attempt must be 1 or more, not {attempt}")
    nominal = min(cap, base * 2.0 ** min(attempt - 1, 62))
    return nominal * (1.0 - jitter * rng())
