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


def test_encoding_is_rfc4648_base32_in_crockfords_alphabet() -> None:
    """The table encoder writes what base64's encoder does, translated."""
    import base64
    import random

    crockford = str.maketrans(
        "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
    )
    rng = random.Random(5)
    values = [0, 1, 2**128 - 1, 2**120, 2**120 - 1] + [rng.randrange(2**128) for _ in range(5000)]
    for value in values:
        reference = base64.b32encode(value.to_bytes(20, "big")).decode()[-ids.LENGTH :]
        assert ids.encode(value) == reference.translate(crockford)
        assert ids.decode(ids.encode(value)) == value


@pytest.mark.parametrize("value", [-1, 2**128])
def test_values_outside_128_bits_are_refused(value: int) -> None:
    with pytest.raises(ValueError, match="128-bit"):
        ids.encode(value)
