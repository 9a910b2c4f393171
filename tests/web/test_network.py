"""Token and CSRF enforcement against a real dashboard bound to a non-loopback address.

The test makes a network namespace of its own with a veth pair: the dashboard
listens in the namespace on 198.18.N.2 (the range set aside for benchmarking
networks, RFC 2544), this process talks to it from 198.18.N.1, and nothing
else is on that link. The namespace and the pair are removed whatever happens.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest

from swarmbus.agents.config import Swarm
from swarmbus.bus.api import Bus
from swarmbus.storage.database import describe
from tests.web.conftest import TOKEN
from tests.web.servers import INITIALIZE, MCP_ACCEPT, dashboard


@dataclass(frozen=True)
class Link:
    namespace: str
    server: str  # the dashboard's address, in the namespace
    client: str  # this side's address


def ip(*args: str) -> None:
    subprocess.run(["ip", *args], check=True, capture_output=True, timeout=30)


@pytest.fixture
def link() -> Iterator[Link]:
    if os.geteuid() != 0 or shutil.which("ip") is None:
        pytest.skip("needs root and iproute2 to make a network namespace")
    tag = secrets.token_hex(3)
    octet = int(tag[:2], 16)
    namespace, outside, inside = f"sbweb{tag}", f"sbh{tag}", f"sbn{tag}"
    made = Link(namespace, f"198.18.{octet}.2", f"198.18.{octet}.1")
    try:
        ip("netns", "add", namespace)
        ip("link", "add", outside, "type", "veth", "peer", "name", inside, "netns", namespace)
        ip("addr", "add", f"{made.client}/30", "dev", outside)
        ip("link", "set", outside, "up")
        ip("-n", namespace, "addr", "add", f"{made.server}/30", "dev", inside)
        ip("-n", namespace, "link", "set", inside, "up")
        ip("-n", namespace, "link", "set", "lo", "up")
        yield made
    finally:
        subprocess.run(["ip", "netns", "del", namespace], capture_output=True, timeout=30)
        subprocess.run(["ip", "link", "del", outside], capture_output=True, timeout=30)


async def rows(bus: Bus) -> int:
    return (await describe(bus.db)).row_counts["agent_messages"]


async def test_token_and_csrf_hold_on_a_non_loopback_address(
    bus: Bus, swarm: Swarm, state_dir: str, link: Link
) -> None:
    prefix = ["ip", "netns", "exec", link.namespace]
    env = {"SWARMBUS_WEB_TOKEN": TOKEN}
    with dashboard(swarm, state_dir, "--host", link.server, prefix=prefix, env=env) as served:
        assert served.url.startswith(f"http://{link.server}:")
        origin = {"origin": served.url.rstrip("/"), "accept": "text/html"}
        async with httpx.AsyncClient(base_url=served.url, timeout=20, headers=origin) as web:
            assert (await web.get("/")).status_code == 401
            assert (await web.post("/mcp/Agent-2/", json=INITIALIZE)).status_code == 401
            bearer = {"authorization": f"Bearer {TOKEN}", "accept": MCP_ACCEPT}
            mcp = await web.post("/mcp/Agent-2/", json=INITIALIZE, headers=bearer)
            assert (mcp.status_code, mcp.json()["result"]["serverInfo"]["name"]) == (
                200,
                "swarmbus",
            )
            form = {"to": "Agent-2", "priority": "normal", "body": "from afar"}
            assert (await web.post("/send", data=form)).status_code == 401
            wrong = await web.post("/login", data={"token": "x" * 20, "next": "/"})
            assert (wrong.status_code, "set-cookie" in wrong.headers) == (401, False)
            assert (await web.post("/login", data={"token": TOKEN})).status_code == 303
            page = await web.get("/send")
            assert page.status_code == 200
            csrf = re.search(r'name="csrf" value="([^"]+)"', page.text)
            assert csrf is not None
            assert (await web.post("/send", data=form)).status_code == 403
            forged = await web.post(
                "/send", data={**form, "csrf": csrf[1]}, headers={"origin": "http://evil.example"}
            )
            assert forged.status_code == 403
            assert (await web.get("/", headers={"host": "evil.example"})).status_code == 400
            assert await rows(bus) == 0
            sent = await web.post("/send", data={**form, "csrf": csrf[1]})
            assert sent.status_code == 303
    [message] = await bus.messages()
    assert (message.from_agent, message.content) == (f"web:{link.client}", "from afar")
