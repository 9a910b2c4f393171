"""Who may use the dashboard, and which requests really come from its pages.

The login token never goes into the browser: the session cookie holds an
HMAC of a fixed label keyed by the token, so a login survives a restart of the
dashboard and ends when the token changes. Scripts may send the token itself
as `Authorization: Bearer …`. Every comparison is constant-time.

The CSRF token is per process: every page this server sends to someone
allowed in carries it (never the login page), and every state-changing POST
must bring it back, in the `csrf` form field or the `X-CSRF-Token` header
(htmx). A page on another site cannot read it, and the `SameSite=Strict`
cookie and the Origin check stop such a page as well.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import re
import secrets

from starlette.requests import cookie_parser

from swarmbus.web.settings import WebSettings, local_user

COOKIE = "swarmbus_session"
COOKIE_MAX_AGE = 30 * 24 * 3600  # seconds a login lasts
CSRF_FIELD = "csrf"
CSRF_HEADER = "x-csrf-token"
_LABEL = b"swarmbus web session v1"
_NOT_IN_A_NAME = re.compile(r"[^A-Za-z0-9_.:@-]")


class Access:
    """The login and CSRF checks of one dashboard process."""

    def __init__(self, settings: WebSettings) -> None:
        self.login_required = settings.login_required
        self._token = (settings.token or "").encode()
        self._session = _session_of(self._token) if settings.login_required else ""
        self.csrf = secrets.token_urlsafe(32)

    def token_matches(self, given: str) -> bool:
        """Whether `given` is the login token."""
        return self.login_required and hmac.compare_digest(given.encode(), self._token)

    def admits(self, cookie_header: str, authorization: str) -> bool:
        """Whether a request's cookie (or bearer token) lets it in; always, without a login."""
        if not self.login_required:
            return True
        scheme, _, credential = authorization.partition(" ")
        if scheme.lower() == "bearer" and credential and self.token_matches(credential.strip()):
            return True
        session = _cookie(cookie_header, COOKIE)
        return session is not None and hmac.compare_digest(session.encode(), self._session.encode())

    def csrf_matches(self, given: str | None) -> bool:
        return given is not None and hmac.compare_digest(given.encode(), self.csrf.encode())

    def session_cookie(self) -> str:
        """The Set-Cookie value of a login. Not `Secure`: the dashboard speaks plain HTTP,
        where a browser would never send such a cookie back."""
        return (
            f"{COOKIE}={self._session}; Max-Age={COOKIE_MAX_AGE}; Path=/; HttpOnly; SameSite=Strict"
        )

    @staticmethod
    def logout_cookie() -> str:
        return f"{COOKIE}=; Max-Age=0; Path=/; HttpOnly; SameSite=Strict"


def _session_of(token: bytes) -> str:
    return hmac.new(token, _LABEL, hashlib.sha256).hexdigest()


def _cookie(header: str, name: str) -> str | None:
    """One cookie of a Cookie header, parsed leniently (another site's odd cookie on the
    same host must not lock a person out)."""
    return cookie_parser(header).get(name)


def requester(client_host: str | None) -> str:
    """Who a write from the page is recorded as: `web:<user>` for the person at this
    desk (a loopback client), `web:<address>` for another machine."""
    address = (client_host or "").split("%")[0]
    try:
        local = ipaddress.ip_address(address).is_loopback
    except ValueError:
        local = False
    who = local_user() if local else (address or "unknown")
    return ("web:" + _NOT_IN_A_NAME.sub("-", who))[:64]
