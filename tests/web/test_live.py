"""Live updates against real servers on 127.0.0.1: server-sent events, one watch fanned out.

(An ASGI test client cannot read an endless stream, so these use uvicorn on a
real socket: `swarmbus web` in its own process, or in this one where the test
counts what the hub rendered.)
"""

from __future__ import annotations

import socket
import time
from collections.abc import Callable
from urllib.parse import urlsplit

import anyio
import httpx
import pytest

from swarmbus.agents.config import Swarm
from swarmbus.bus.api import Bus
from swarmbus.bus.operations import Operations
from swarmbus.web.app import create_app
from swarmbus.web.settings import WebSettings
from tests.conftest import BACKENDS
from tests.web.servers import dashboard, live_url, sse_events, swarmbus

pytestmark = pytest.mark.timeout(90)


async def next_event(events: object, wanted: Callable[[str, str], bool], within: float) -> str:
    """The data of the first event `wanted` accepts, within `within` seconds."""
    with anyio.fail_after(within):
        async for name, data in events:  # type: ignore[attr-defined]
            if wanted(name, data):
                return data
    raise AssertionError("the stream ended")


@pytest.mark.parametrize("backend", BACKENDS, indirect=True)
async def test_a_send_from_another_process_reaches_an_open_page_within_a_second(
    bus: Bus, swarm: Swarm, state_dir: str
) -> None:
    with dashboard(swarm, state_dir) as served:
        async with httpx.AsyncClient(base_url=served.url, timeout=30) as client:
            page = await client.get("/messages", headers={"accept": "text/html"})
            stream_url = live_url(page.text)
            async with client.stream("GET", stream_url) as stream:
                assert stream.headers["content-type"].startswith("text/event-stream")
                events = sse_events(stream)
                sent = await anyio.to_thread.run_sync(
                    lambda: swarmbus(swarm, state_dir, "send", "Agent-2", "hello <b>live</b>")
                )
                assert sent.returncode == 0, sent.stderr
                started = time.monotonic()
                html = await next_event(
                    events, lambda n, d: n == "update" and "hello &lt;b&gt;live" in d, 5
                )
                elapsed = time.monotonic() - started
    assert elapsed < 1.0, f"the update took {elapsed:.2f} s"
    assert sent.stdout.strip()[-8:] in html


@pytest.mark.parametrize("backend", BACKENDS, indirect=True)
async def test_a_reply_from_another_process_joins_an_open_thread_view(
    bus: Bus, swarm: Swarm, state_dir: str
) -> None:
    asked = await bus.send("Agent-1", "Agent-2", "which branch?")
    with dashboard(swarm, state_dir) as served:
        async with httpx.AsyncClient(base_url=served.url, timeout=30) as client:
            page = await client.get(f"/messages/{asked}", headers={"accept": "text/html"})
            assert page.text.count('<li class="post') == 1
            async with client.stream("GET", live_url(page.text)) as stream:
                events = sse_events(stream)
                replied = await anyio.to_thread.run_sync(
                    lambda: swarmbus(
                        swarm, state_dir, "reply", asked, "main <b>now</b>", "--from", "Agent-2"
                    )
                )
                assert replied.returncode == 0, replied.stderr
                answer = replied.stdout.strip()
                html = await next_event(
                    events, lambda n, d: n == "update" and f'id="m-{answer}"' in d, 10
                )
    assert html.index(f'id="m-{asked}"') < html.index(f'id="m-{answer}"')
    assert "main &lt;b&gt;now&lt;/b&gt;" in html
    assert f'<li class="post current" aria-current="true" id="m-{asked}">' in html


async def test_ten_open_pages_cost_one_watch_and_one_render_per_change(
    bus: Bus, swarm: Swarm, state_dir: str
) -> None:
    app = create_app(bus, Operations(swarm.database, swarm), WebSettings(port=0))
    hub = app.state.web.hub
    async with (
        served_here(app) as url,
        httpx.AsyncClient(base_url=url, timeout=30) as client,
        anyio.create_task_group() as readers,
    ):
        if True:
            received: list[str] = []
            opened: list[str] = []
            for _ in range(10):
                readers.start_soon(read_one_update, client, received, opened)
            with anyio.fail_after(10):  # every page shows what was there before the change
                while hub.streams < 10 or len(opened) < 10:
                    await anyio.sleep(0.02)
            renders, generation = hub.renders, hub.generation
            done = await anyio.to_thread.run_sync(
                lambda: swarmbus(swarm, state_dir, "send", "Agent-1", "one change")
            )
            assert done.returncode == 0, done.stderr
            with anyio.fail_after(5):
                while len(received) < 10:
                    await anyio.sleep(0.02)
    changes = hub.generation - generation
    assert all('>1</span><span class="what">waiting' in html for html in received)
    assert 1 <= hub.renders - renders <= changes, (hub.renders - renders, changes)


async def read_one_update(
    client: httpx.AsyncClient, received: list[str], opened: list[str]
) -> None:
    async with client.stream("GET", "/live/overview?seen=-1") as stream:
        events = sse_events(stream)
        first = await next_event(events, lambda n, d: n == "update", 5)  # the page as it was
        assert first
        opened.append(first)
        received.append(await next_event(events, lambda n, d: n == "update", 10))


class served_here:
    """uvicorn serving `app` in this process on a free loopback port, with its lifespan."""

    def __init__(self, app: object) -> None:
        import uvicorn

        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        config = uvicorn.Config(app, log_level="warning", timeout_graceful_shutdown=1)  # type: ignore[arg-type]
        self.server = uvicorn.Server(config)
        self.group = anyio.create_task_group()

    async def __aenter__(self) -> str:
        await self.group.__aenter__()
        self.group.start_soon(lambda: self.server.serve(sockets=[self.sock]))
        with anyio.fail_after(10):
            while not self.server.started:
                await anyio.sleep(0.02)
        host, port = self.sock.getsockname()
        return f"http://{host}:{port}/"

    async def __aexit__(self, *exc: object) -> None:
        self.server.should_exit = True
        await self.group.__aexit__(None, None, None)
        self.sock.close()


@pytest.mark.parametrize("backend", ["postgres"], indirect=True)
async def test_a_lost_database_shows_a_banner_and_the_page_recovers(
    bus: Bus, swarm: Swarm, state_dir: str
) -> None:
    from tests import postgres

    name = urlsplit(swarm.database).path.lstrip("/")
    with dashboard(swarm, state_dir) as served:
        async with (
            httpx.AsyncClient(base_url=served.url, timeout=60) as client,
            client.stream("GET", "/live/overview?seen=0") as stream,
        ):
            if True:
                events = sse_events(stream)
                await anyio.to_thread.run_sync(
                    postgres.admin,
                    f"ALTER DATABASE {name} ALLOW_CONNECTIONS false",
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    f"WHERE datname = '{name}' AND pid <> pg_backend_pid()",
                )
                banner = await next_event(events, lambda n, d: n == "banner" and d != "", 20)
                assert "The database cannot be read" in banner
                await anyio.to_thread.run_sync(
                    postgres.admin, f"ALTER DATABASE {name} ALLOW_CONNECTIONS true"
                )
                await next_event(events, lambda n, d: n == "update", 30)
                cleared = await next_event(events, lambda n, d: n == "banner", 5)
                assert "cannot be read" not in cleared
