"""Sortable unique ids (ULID layout: 48-bit milliseconds + 80 random bits).

26 characters of Crockford base32, so text order is numeric order. The message
repository passes the largest id already stored as `after`, inside the write
transaction, which makes ids strictly increasing in commit order across all
processes sharing a database: sorting by id is sorting by send order.
"""

from __future__ import annotations

import base64
import secrets
import time

_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_DECODE = {char: value for value, char in enumerate(_ALPHABET)}
_RANDOM_BITS = 80
_MAX = (1 << 128) - 1
LENGTH = 26


_FROM_RFC4648 = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", _ALPHABET)


def encode(value: int) -> str:
    """Encode a 128-bit integer as 26 base32 characters."""
    # 160 bits of RFC 4648 base32 are 32 characters; the last 26 hold our 128
    # bits (with two leading zero bits), and translate to Crockford's alphabet.
    raw = base64.b32encode(value.to_bytes(20, "big")).decode("ascii")
    return raw[-LENGTH:].translate(_FROM_RFC4648)


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
    result = []
    for _ in range(count):
        if value > _MAX:
            raise OverflowError("id space exhausted")
        result.append(encode(value))
        value += 1 + secrets.randbits(16)  # ordered, yet not guessable from a neighbour
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
