"""Sortable unique ids (ULID layout: 48-bit milliseconds + 80 random bits).

26 characters of Crockford base32, so text order is numeric order. The message
repository passes the largest id already stored as `after`, inside the write
transaction, which makes ids strictly increasing in commit order across all
processes sharing a database: sorting by id is sorting by send order.
"""

from __future__ import annotations

import secrets
import time

_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_DECODE = {char: value for value, char in enumerate(_ALPHABET)}
_RANDOM_BITS = 80
_MAX = (1 << 128) - 1
LENGTH = 26


_PAIRS = [first + second for first in _ALPHABET for second in _ALPHABET]  # 10 bits each
_PAIR_SHIFTS = range(110, -1, -10)


def encode(value: int) -> str:
    """Encode a 128-bit integer as 26 base32 characters.

    Thirteen look-ups of two characters: 26 characters hold 130 bits, so the first
    pair holds the top 8 (two leading zero bits). A third of `base64.b32encode`'s time.
    """
    if not 0 <= value <= _MAX:
        raise ValueError(f"{value} is not a 128-bit id value")
    pairs = [_PAIRS[(value >> shift) & 1023] for shift in _PAIR_SHIFTS]
    return _PAIRS[value >> 120] + "".join(pairs)


def decode(text: str) -> int:
    """Decode 26 base32 characters (case-insensitive) to an integer."""
    if len(text) != LENGTH:
        raise ValueError(f"id {text!r} must be {LENGTH} characters long")
    value = 0
    for char in text.upper():
        if char not in _DECODE:
            raise ValueError(f"id {text!r} has {char!r}, not a base32 character")
        value = value * 32 + _DECODE[char]
    return value


def new_ids(count: int, *, after: str | None = None) -> list[str]:
    """Return `count` fresh ids, each greater than `after` and than the one before."""
    floor = decode(after) if after else -1
    value = max(
        (time.time_ns() // 1_000_000) << _RANDOM_BITS | secrets.randbits(_RANDOM_BITS), floor + 1
    )
    steps = secrets.token_bytes(2 * count)  # one system call for the whole batch
    result = []
    for n in range(count):
        if value > _MAX:
            raise OverflowError("id space exhausted")
        result.append(encode(value))
        # ordered, yet not guessable from a neighbour
        value += 1 + int.from_bytes(steps[2 * n : 2 * n + 2], "big")
    return result


def new_id() -> str:
    """One fresh id for rows that need uniqueness but no ordering (commands, audits)."""
    return new_ids(1)[0]


def timestamp_ms(text: str) -> int:
    """The millisecond timestamp an id carries."""
    return decode(text) >> _RANDOM_BITS


def is_valid(text: str) -> bool:
    """Whether `text` has the shape of an id."""
    try:
        decode(text)
    except ValueError:
        return False
    return True
