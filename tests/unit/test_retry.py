from __future__ import annotations

import random

import pytest

from swarmbus.bus.retry import backoff_delay


def test_backoff_doubles_up_to_the_cap() -> None:
    delays = [backoff_delay(n, base=1.0, cap=30.0, jitter=0.0) for n in range(1, 8)]
    assert delays == [1.0, 2.0, 4.0, 8.0, 16.0, 30.0, 30.0]


@pytest.mark.parametrize("attempt", [1, 2, 5, 10])
def test_jitter_stays_within_its_bounds(attempt: int) -> None:
    nominal = min(300.0, 2.0 ** (attempt - 1))
    rng = random.Random(attempt)
    samples = [
        backoff_delay(attempt, base=1.0, cap=300.0, jitter=0.5, rng=rng.random) for _ in range(2000)
    ]
    assert min(samples) >= nominal * 0.5
    assert max(samples) <= nominal
    assert max(samples) - min(samples) > nominal * 0.4  # it really varies
    assert backoff_delay(attempt, base=1.0, cap=300.0, jitter=0.5, rng=lambda: 1.0) == (
        nominal * 0.5
    )


def test_attempt_zero_is_a_bug() -> None:
    with pytest.raises(ValueError, match="attempt"):
        backoff_delay(0, base=1, cap=2, jitter=0)


def test_huge_attempt_numbers_do_not_overflow() -> None:
    assert backoff_delay(10_000, base=1.0, cap=60.0, jitter=0.0) == 60.0
