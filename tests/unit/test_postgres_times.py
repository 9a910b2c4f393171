"""PostgreSQL's timestamp text becomes swarmbus's stored form, the quick way or the general one."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from swarmbus.model import timefmt
from swarmbus.storage.postgres import _time_out


def server_text(moment: datetime) -> str:
    """What PostgreSQL prints for a timestamptz with TimeZone UTC (trailing zeros cut)."""
    text = moment.strftime("%Y-%m-%d %H:%M:%S")
    if moment.microsecond:
        text += f".{moment.microsecond:06d}".rstrip("0")
    return text + "+00"


def test_the_quick_way_matches_parsing_and_formatting() -> None:
    rng = random.Random(7)
    start = datetime(1970, 1, 1, tzinfo=UTC)
    for _ in range(2000):
        moment = start + timedelta(microseconds=rng.randrange(2**51))
        moment = moment.replace(
            microsecond=rng.choice([0, 100000, 120000, 123400, rng.randrange(10**6)])
        )
        assert _time_out(server_text(moment)) == timefmt.to_text(moment)


@pytest.mark.parametrize(
    ("text", "stored"),
    [
        ("2026-11-29 03:17:00+00", "2026-11-29T03:17:00.000Z"),
        ("2026-11-29 03:17:00.1+00", "2026-11-29T03:17:00.100Z"),
        ("2026-11-29 03:17:00.036976+00", "2026-11-29T03:17:00.036Z"),
        ("2026-11-29 03:17:00.999999+00", "2026-11-29T03:17:00.999Z"),
        ("2026-11-29 05:47:00.5+02:30", "2026-11-29T03:17:00.500Z"),  # another zone: general way
    ],
)
def test_server_texts(text: str, stored: str) -> None:
    assert _time_out(text) == stored
