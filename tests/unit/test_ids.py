from __future__ import annotations

import pytest

from swarmbus.model import ids


def test_ids_increase_and_round_trip() -> None:
    batch = ids.new_ids(1000)
    assert batch == sorted(batch)
    assert len(set(batch)) == 1000
    assert all(len(i) == ids.LENGTH for i in batch)
    assert ids.encode(ids.decode(batch[0])) == batch[0]


def test_ids_stay_above_a_floor_from_the_future() -> None:
    future = ids.encode((2**48 - 10) << 80)  # far beyond today's clock
    fresh = ids.new_ids(3, after=future)
    assert all(i > future for i in fresh)
    assert fresh == sorted(fresh)


def test_timestamp_is_recoverable() -> None:
    import time

    before = time.time_ns() // 1_000_000
    stamp = ids.timestamp_ms(ids.new_id())
    assert before <= stamp <= time.time_ns() // 1_000_000


@pytest.mark.parametrize("bad", ["", "short", "0" * 25 + "!", "U" * 27])
def test_invalid_ids_are_refused(bad: str) -> None:
    assert not ids.is_valid(bad)
    with pytest.raises(ValueError, match="id"):
        ids.decode(bad)
