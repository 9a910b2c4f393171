"""PostgreSQL URLs: shown without their password, and checked before any connection."""

from __future__ import annotations

import re
from urllib.parse import urlsplit, urlunsplit

from swarmbus import errors

_USERINFO = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*://)([^@/?#]*)@")


def redacted(url: str) -> str:
    """The URL without its password (or query), for messages and logs.

    Never raises: the URL is only taken apart, not checked (a bad port or
    host stays as it was written, for the error that names it).
    """
    try:
        parts = urlsplit(url)
    except ValueError:  # e.g. an unclosed [IPv6 bracket: drop whatever stands before '@'
        return _USERINFO.sub(lambda m: m[1] + m[2].partition(":")[0] + "@", url).split("?")[0]
    userinfo, at, hostport = parts.netloc.rpartition("@")
    netloc = f"{userinfo.partition(':')[0]}@{hostport}" if at else hostport
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


def check_url(url: str) -> None:
    """Refuse a URL that cannot be parsed, or whose port is no number from 1 to 65535."""
    try:
        parts = urlsplit(url)
    except ValueError as exc:
        raise errors.DatabaseUnavailable(f"database URL {redacted(url)!r}: {exc}") from None
    try:
        port = parts.port
    except ValueError:
        port = -1
    if port is not None and not 1 <= port <= 65535:
        text = parts.netloc.rpartition("@")[2].rpartition(":")[2]
        raise errors.DatabaseUnavailable(
            f"database URL {redacted(url)!r}: port {text!r} is not allowed; "
            f"use a number from 1 to 65535"
        )
