"""The dashboard under test: its app in this process, driven through its ASGI interface.

`serving(bus)` serves the test swarm's bus (memory agents) with the live hub
watching the database, behind an httpx client that speaks ASGI to the app as a
browser on 127.0.0.1 would: Host and Origin are the dashboard's own.
"""

from __future__ import annotations

import contextlib
import shutil
import tempfile
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest

from swarmbus.bus.api import Bus
from swarmbus.bus.operations import Operations
from swarmbus.web.app import create_app
from swarmbus.web.settings import WebSettings

ORIGIN = "http://127.0.0.1:8780"
TOKEN = "correct-horse-battery-staple"
HTML = {"accept": "text/html"}


@dataclass
class Site:
    """The app, a client for it, and the CSRF token its pages carry."""

    app: Any
    client: httpx.AsyncClient
    csrf: str

    @property
    def hub(self) -> Any:
        return self.app.state.web.hub

    async def post(self, path: str, fields: dict[str, str], **options: Any) -> httpx.Response:
        """A form POST from a page of the dashboard (its CSRF token added unless given)."""
        return await self.client.post(path, data={"csrf": self.csrf, **fields}, **options)


@pytest.fixture(autouse=True)
def state_dir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[str]:
    """GUI pause markers and wake-up sockets live in the per-user temp folder: keep this
    test's apart from every other process's, in a folder with a short name (a socket's
    path must fit AF_UNIX's 108 bytes). `tmp_path` is made first, where pytest keeps it."""
    folder = tempfile.mkdtemp(prefix="sbw-", dir="/tmp")
    monkeypatch.setattr(tempfile, "tempdir", folder)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


@contextlib.asynccontextmanager
async def serving(bus: Bus, client: str = "127.0.0.1", **settings: Any) -> AsyncIterator[Site]:
    """The app with its hub watching, for the body of one test (`async with`: a fixture
    could not hold the hub's task group, as pytest-asyncio tears fixtures down in
    another task). The app's lifespan itself runs in the real-server tests."""
    app = create_app(bus, Operations(bus.swarm.database, bus.swarm), WebSettings(**settings))
    transport = httpx.ASGITransport(app=app, client=(client, 50123))
    headers = {"origin": ORIGIN, **HTML}
    async with (
        anyio.create_task_group() as group,
        httpx.AsyncClient(transport=transport, base_url=ORIGIN, headers=headers) as http,
    ):
        group.start_soon(app.state.web.hub.run, name="database watch")
        yield Site(app, http, app.state.web.access.csrf)
        group.cancel_scope.cancel()
