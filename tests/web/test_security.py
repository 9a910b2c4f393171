"""Every refusal of the front door and the forms, through the ASGI interface: each stores
nothing. (The same against a real server on a non-loopback address: test_network.py.)"""

from __future__ import annotations

import hashlib
import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from swarmbus.bus.api import Bus
from swarmbus.storage.database import describe
from tests.web.conftest import ORIGIN, TOKEN, serving
from tests.web.test_forms import GOOD

STATIC = Path(__file__).parents[2] / "swarmbus" / "web" / "static"
TEMPLATES = STATIC.parent / "templates"
MIB = 1024 * 1024


async def rows(bus: Bus) -> int:
    return (await describe(bus.db)).row_counts["agent_messages"]


@pytest.mark.parametrize("host", ["evil.example", "127.0.0.1.nip.io:8780", "", "[::1"])
async def test_a_host_that_is_not_the_dashboards_is_refused(bus: Bus, host: str) -> None:
    async with serving(bus) as site:
        page = await site.client.get("/", headers={"host": host})
        post = await site.post("/send", GOOD, headers={"host": host})
    assert (page.status_code, post.status_code) == (400, 400)
    assert await rows(bus) == 0


async def test_hosts_the_dashboard_answers_to(bus: Bus) -> None:
    async with serving(bus, allowed_hosts=("desk.lan",)) as site:
        for host in ("localhost:8780", "127.0.0.1", "[::1]:8780", "192.0.2.4:1", "DESK.lan:8780"):
            assert (await site.client.get("/", headers={"host": host})).status_code == 200, host


@pytest.mark.parametrize(
    "fields", [{}, {"csrf": ""}, {"csrf": "forged-token"}], ids=["absent", "empty", "wrong"]
)
async def test_a_post_without_the_csrf_token_is_403_and_stores_nothing(
    bus: Bus, fields: dict[str, str]
) -> None:
    async with serving(bus) as site:
        refused = await site.client.post("/send", data={**GOOD, **fields})
        retry = await site.client.post("/resume", data=fields)
        doctor = await site.client.post("/doctor", data=fields)
    assert [r.status_code for r in (refused, retry, doctor)] == [403, 403, 403]
    assert "CSRF token is missing or wrong" in refused.text
    assert await rows(bus) == 0


async def test_the_csrf_token_may_come_as_htmx_sends_it_in_a_header(bus: Bus) -> None:
    async with serving(bus) as site:
        sent = await site.client.post("/send", data=GOOD, headers={"x-csrf-token": site.csrf})
    assert sent.status_code == 303


@pytest.mark.parametrize(
    "headers",
    [
        {"origin": "http://evil.example"},
        {"origin": "null"},
        {"origin": "https://127.0.0.1:8780"},
        {"origin": "", "referer": "http://evil.example/page"},
        {"origin": ""},
    ],
    ids=["other-site", "null", "other-scheme", "foreign-referer", "neither"],
)
async def test_a_post_from_another_origin_is_403_and_stores_nothing(
    bus: Bus, headers: dict[str, str]
) -> None:
    async with serving(bus) as site:
        site.client.headers.pop("origin")
        refused = await site.post("/send", GOOD, headers={k: v for k, v in headers.items() if v})
    assert refused.status_code == 403
    assert await rows(bus) == 0


async def test_a_same_origin_referer_stands_in_for_a_missing_origin(bus: Bus) -> None:
    async with serving(bus) as site:
        site.client.headers.pop("origin")
        sent = await site.post("/send", GOOD, headers={"referer": f"{ORIGIN}/send"})
    assert sent.status_code == 303


class Counted:
    """A request body that counts how much of it was read."""

    def __init__(self, total: int, chunk: int = 64 * 1024) -> None:
        self.total, self.chunk, self.read = total, chunk, 0

    async def __aiter__(self) -> AsyncIterator[bytes]:
        while self.read < self.total:
            self.read += self.chunk
            yield b"body=" + b"x" * (self.chunk - 5)


@pytest.mark.parametrize("declared", [True, False], ids=["content-length", "streamed"])
async def test_a_10_mb_post_is_refused_before_it_is_read_whole(bus: Bus, declared: bool) -> None:
    body = Counted(10 * MIB)
    headers = {"content-type": "application/x-www-form-urlencoded"}
    if declared:
        headers["content-length"] = str(10 * MIB)
    async with serving(bus) as site:
        limit = site.app.state.web.settings.max_body
        refused = await site.client.post("/send", content=body, headers=headers)
    assert refused.status_code == 413
    assert f"at most {limit:,} bytes" in refused.text
    assert body.read <= (0 if declared else limit + body.chunk)
    assert await rows(bus) == 0


async def test_a_form_that_is_not_urlencoded_is_415(bus: Bus) -> None:
    async with serving(bus) as site:
        refused = await site.client.post(
            "/send",
            files={"body": ("a.txt", b"hi")},
            data={**GOOD, "csrf": site.csrf},
            headers={"x-csrf-token": site.csrf},
        )
    assert refused.status_code == 415
    assert await rows(bus) == 0


async def test_without_the_token_every_page_is_401_and_stores_nothing(bus: Bus) -> None:
    async with serving(bus, token=TOKEN) as site:
        page = await site.client.get("/messages?status=failed")
        sent = await site.post("/send", GOOD)
        stream = await site.client.get("/live/overview")
        css = await site.client.get("/static/app.css")
        wrong = await site.client.get("/", headers={"authorization": "Bearer not-the-token"})
    assert [page.status_code, sent.status_code, stream.status_code] == [401, 401, 401]
    assert wrong.status_code == 401
    assert 'action="/login"' in page.text
    assert 'name="next" value="/messages?status=failed"' in page.text
    assert site.csrf not in page.text  # the login page hands out no CSRF token
    assert css.status_code == 200
    assert await rows(bus) == 0


async def test_a_wrong_token_logs_nobody_in(bus: Bus) -> None:
    async with serving(bus, token=TOKEN) as site:
        refused = await site.client.post("/login", data={"token": TOKEN[:-1] + "!", "next": "/"})
    assert refused.status_code == 401
    assert "that is not the dashboard&#39;s token" in refused.text
    assert "set-cookie" not in refused.headers


async def test_the_token_once_gives_a_strict_http_only_session(bus: Bus) -> None:
    async with serving(bus, token=TOKEN) as site:
        login = await site.client.post("/login", data={"token": TOKEN, "next": "//evil.example"})
        assert (login.status_code, login.headers["location"]) == (303, "/")  # never off-site
        cookie = login.headers["set-cookie"]
        assert re.search(r"; HttpOnly; SameSite=Strict$", cookie)
        assert "Secure" not in cookie  # plain HTTP: a browser would not send it back
        assert TOKEN not in cookie
        assert (await site.client.get("/")).status_code == 200  # the client keeps the cookie
        assert (await site.post("/send", GOOD)).status_code == 303
        logout = await site.post("/logout", {})
        assert "Max-Age=0" in logout.headers["set-cookie"]
        assert (await site.client.get("/")).status_code == 401
    assert await rows(bus) == 1


async def test_another_apps_odd_cookie_on_the_same_host_locks_nobody_out(bus: Bus) -> None:
    async with serving(bus, token=TOKEN) as site:
        login = await site.client.post("/login", data={"token": TOKEN})
        session = login.headers["set-cookie"].split(";")[0]
        site.client.cookies.clear()
        odd = f'other={{"json": [1, 2]}}; {session}; x=\\'
        assert (await site.client.get("/", headers={"cookie": odd})).status_code == 200
        forged = session.split("=")[0] + "=" + "0" * 64
        assert (await site.client.get("/", headers={"cookie": forged})).status_code == 401


async def test_a_script_may_send_the_token_as_a_bearer(bus: Bus) -> None:
    async with serving(bus, token=TOKEN) as site:
        page = await site.client.get("/", headers={"authorization": f"Bearer {TOKEN}"})
    assert page.status_code == 200


async def test_every_response_carries_the_security_headers(bus: Bus) -> None:
    async with serving(bus) as site:
        for path in ("/", "/nowhere", "/static/app.css"):
            headers = (await site.client.get(path)).headers
            assert "script-src 'self'" in headers["content-security-policy"]
            assert "frame-ancestors 'none'" in headers["content-security-policy"]
            assert headers["x-frame-options"] == "DENY"
            assert headers["x-content-type-options"] == "nosniff"
        assert (await site.client.get("/")).headers["cache-control"] == "no-store"


def test_vendored_files_are_the_published_ones() -> None:
    notes = (STATIC / "VENDORED.txt").read_text()
    for name in ("htmx.min.js", "sse.min.js"):
        digest = hashlib.sha256((STATIC / name).read_bytes()).hexdigest()
        assert f"{name}" in notes
        assert digest in notes, name


def test_no_page_loads_anything_from_elsewhere() -> None:
    for path in [*TEMPLATES.rglob("*.html"), STATIC / "app.css", STATIC / "app.js"]:
        text = path.read_text()
        assert not re.search(r"(src|href)=\"(https?:)?//", text), path
        assert "url(" not in text or "url(http" not in text, path
        assert "<script>" not in text, f"{path}: inline script (the CSP forbids it)"
