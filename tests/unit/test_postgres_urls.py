"""PostgreSQL URLs in messages: no password shown, a bad port one line, no driver a hint."""

from __future__ import annotations

import sys

import pytest

from swarmbus import errors
from swarmbus.storage import postgres
from swarmbus.storage.database import open_database


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("postgresql://me:s3cret@db:5433/swarm", "postgresql://me@db:5433/swarm"),
        ("postgresql://me:s3cret@db:notaport/swarm", "postgresql://me@db:notaport/swarm"),
        ("postgres://me:s3cret@db:99999/swarm?password=x", "postgres://me@db:99999/swarm"),
        ("postgresql://me:s3cret@[::1/swarm", "postgresql://me@[::1/swarm"),
        ("postgresql://db/swarm", "postgresql://db/swarm"),
        ("postgresql://me:p@ss@db/swarm", "postgresql://me@db/swarm"),
    ],
)
def test_redacted_never_raises_and_drops_the_password(url: str, shown: str) -> None:
    assert postgres.redacted(url) == shown


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("postgresql://me:pw@db:notaport/x", "port 'notaport' is not allowed; use a number from 1"),
        ("postgresql://me@db:99999/x", "port '99999' is not allowed; use a number from 1 to 65535"),
        ("postgresql://me@db:0/x", "port '0' is not allowed"),
        ("postgresql://me@[::1/x", "Invalid IPv6 URL"),
    ],
)
async def test_a_bad_url_is_one_line(url: str, expected: str) -> None:
    with pytest.raises(errors.DatabaseUnavailable, match=expected) as caught:
        await open_database(url)
    assert "pw" not in str(caught.value)


async def test_without_asyncpg_the_error_says_how_to_install_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "asyncpg", None)  # what an install without the extra has
    with pytest.raises(errors.DatabaseUnavailable, match=r"pip install 'swarmbus\[postgres\]'"):
        await open_database("postgresql://me:pw@127.0.0.1:1/x")


def test_a_broken_protocol_state_is_a_lost_connection() -> None:
    import asyncpg

    broken = asyncpg.InternalClientError(
        "cannot switch to state 12; another operation (query) is in progress"
    )
    translated = postgres.translate(broken, "postgresql://127.0.0.1/test")
    assert isinstance(translated, errors.ConnectionLost)
    assert str(translated).startswith("lost the connection to postgresql://127.0.0.1/test")
