"""Where the dashboard listens and who may use it.

Bound to a loopback address, the dashboard is the desktop's own, like the
terminal: no login. Bound anywhere else, other machines can reach it, so it
refuses to start without a token (`SWARMBUS_WEB_TOKEN`); a token set on
loopback turns the login on there too. Every refusal is one line naming the
bad value and what is allowed.
"""

from __future__ import annotations

import getpass
import ipaddress
import re
from dataclasses import dataclass

from swarmbus import errors, listening

TOKEN_ENV = "SWARMBUS_WEB_TOKEN"
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8780
FORM_OVERHEAD = 16 * 1024  # bytes of a form beyond its message body (other fields, names)
_HOST_NAME = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9-]{1,63})*$")


@dataclass(frozen=True)
class WebSettings:
    """How one `swarmbus web` serves.

    :param host: the address it binds (an IP address, or localhost).
    :param port: the TCP port (0: any free one).
    :param token: the login token (None: no login, loopback only).
    :param allowed_hosts: host names, besides localhost and IP addresses, that
        requests may name in their Host header (DNS rebinding stops at the rest).
    :param max_body: the largest request body read, in bytes.
    """

    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    token: str | None = None
    allowed_hosts: tuple[str, ...] = ()
    max_body: int = 3 * 65536 + FORM_OVERHEAD

    @property
    def loopback(self) -> bool:
        return listening.is_loopback(self.host)

    @property
    def login_required(self) -> bool:
        return self.token is not None


def check_host(host: str) -> str:
    """An address to bind: an IP address of this machine, or localhost."""
    if host.lower() == "localhost":
        return "localhost"
    try:
        return str(ipaddress.ip_address(host.strip("[]")))
    except ValueError:
        raise errors.UsageError(
            f"--host {host!r} is not allowed; use an IP address of this machine "
            f"(127.0.0.1, ::1, 0.0.0.0, ::, 192.168.1.5) or localhost"
        ) from None


def check_allowed_host(name: str) -> str:
    """A host name requests may use (`--allow-host dashboard.lan`), lower-cased."""
    if not _HOST_NAME.fullmatch(name) or len(name) > 253:
        raise errors.UsageError(
            f"--allow-host {name!r} is not allowed; use a DNS name such as desk.lan "
            f"(IP addresses and localhost are always allowed)"
        )
    return name.lower()


def settings_from(
    host: str, port: int, token: str | None, allowed_hosts: tuple[str, ...], max_message_bytes: int
) -> WebSettings:
    """Validated settings; the body limit follows the swarm's message limit (a form escapes
    each byte as at most three characters)."""
    checked = check_host(host)
    return WebSettings(
        host=checked,
        port=port,
        token=listening.check_token(token, checked, TOKEN_ENV, _reachable(checked)),
        allowed_hosts=tuple(check_allowed_host(name) for name in allowed_hosts),
        max_body=3 * max_message_bytes + FORM_OVERHEAD,
    )


def local_user() -> str:
    """The name of whoever runs the dashboard: on loopback, the person at this desk."""
    try:
        return getpass.getuser()
    except (OSError, KeyError):
        return "desk"


def _reachable(host: str) -> str:
    return f"--host {host} is reachable from other machines, so the dashboard needs a login"
