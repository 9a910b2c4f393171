"""The dashboard in a real browser: Debian's chromium, driven by Playwright.

(`playwright install` downloads a browser, which cannot work here:
scripts/test.sh installs Debian's `chromium`, and Playwright launches it with
`executable_path`.) One dashboard and one browser serve the whole module; a
separate `swarmbus run --once` delivers what the page sent, into inbox
folders, while the page stays open.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import anyio
import pytest

from swarmbus.agents import config as swarm_config
from swarmbus.agents.config import Swarm
from swarmbus.bus.api import Bus
from tests.web.servers import dashboard, swarmbus

CHROMIUM = "/usr/bin/chromium"
# As root, without a sandbox; and no background traffic (this machine's network is closed).
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SWARM = """
[bus]
max_retries = 0
backoff_base_seconds = 0.01

[[agents]]
name = "Agent-1"
transport = "inbox"

[[agents]]
name = "Agent-2"
transport = "inbox"

[[agents]]
name = "Broken"
transport = "inbox"
inbox = "blocker/inbox"
"""
HOSTILE = '<script>window.pwned = 1</script><img src=x onerror="window.pwned = 2">'

pytestmark = pytest.mark.timeout(120)


def launch_chromium(playwright: Any) -> Any:
    return playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Swarm, str, str]]:
    """A swarm of inbox agents (one whose inbox cannot be made), its dashboard's URL and the
    TMPDIR its processes share."""
    folder = tmp_path_factory.mktemp("browser")
    (folder / "swarmbus.toml").write_text(SWARM)
    (folder / "blocker").write_text("a file where Broken's inbox folder should be\n")
    swarm = swarm_config.load(folder / "swarmbus.toml", {})
    anyio.run(_create_database, swarm)
    state = tempfile.mkdtemp(prefix="sbb-", dir="/tmp")
    try:
        with dashboard(swarm, state) as served:
            yield swarm, state, served.url
    finally:
        shutil.rmtree(state, ignore_errors=True)


async def _create_database(swarm: Swarm) -> None:
    async with await Bus.open(swarm):
        pass


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: scripts/test.sh installs Debian's chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = launch_chromium(playwright)
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    opened = context.new_page()
    opened.set_default_timeout(10_000)
    yield opened
    context.close()


def deliver(world: tuple[Swarm, str, str]) -> subprocess.CompletedProcess:
    """`swarmbus run --once` in a process of its own."""
    swarm, state, _ = world
    return swarmbus(swarm, state, "run", "--once", "--give-up-after", "10")


def send_from_the_form(page: Any, url: str, to: str, body: str) -> str:
    page.goto(url + "send")
    page.fill("#to", to)
    page.select_option("#priority", "high")
    page.fill("#body", body)
    page.click("button[type=submit]:has-text('Send')")
    page.wait_for_url("**/messages/*?done=sent")
    return page.url.split("/messages/")[1].split("?")[0]


def test_the_overview_loads_with_every_agent_and_goes_live(world: Any, page: Any) -> None:
    page.goto(world[2])
    assert page.title() == "Overview · swarmbus"
    assert page.locator(".card .name").all_inner_texts() == ["Agent-1", "Agent-2", "Broken"]
    page.wait_for_selector("#link-state:text-is('live')")  # no eval: the page's CSP forbids it


def test_a_sent_message_appears_live_when_another_process_delivers_it(
    world: Any, browser: Any, page: Any
) -> None:
    listing = browser.new_page()
    listing.goto(world[2] + "messages?agent=Agent-2")
    listing.wait_for_selector("#link-state:text-is('live')")  # no eval: the page's CSP forbids it
    listing.evaluate("window.stayed = true")  # gone if the page reloads
    message_id = send_from_the_form(page, world[2], "Agent-2", "Please review PR 42")
    assert page.locator(".summary .badge").inner_text() == "pending"
    page.evaluate("window.stayed = true")
    row = listing.locator(f"a[href='/messages/{message_id}']")
    row.wait_for()  # the list grew without a reload
    done = deliver(world)
    assert done.returncode == 0, done.stderr
    page.wait_for_selector(".summary .badge.ok:has-text('delivered')", timeout=5000)
    assert page.evaluate("window.stayed") is True
    assert "delivered" in page.locator(".history").inner_text()
    listing.wait_for_selector(f"tr:has(a[href='/messages/{message_id}']) .badge.ok")
    assert listing.evaluate("window.stayed") is True
    row.click()
    listing.wait_for_url(f"**/messages/{message_id}")
    assert listing.locator("pre.body").inner_text() == "Please review PR 42"
    listing.close()


def test_a_dead_letter_is_retried_from_the_overview(world: Any, page: Any) -> None:
    swarm, state, url = world
    stored = swarmbus(swarm, state, "send", "Broken", "this cannot land")
    message_id = stored.stdout.strip()
    assert deliver(world).returncode == 0
    page.goto(url)
    retry = page.locator(f"form[action='/messages/{message_id}/retry'] button")
    retry.click()
    page.wait_for_url(f"**/messages/{message_id}")
    assert page.locator(".summary .badge").inner_text() == "pending"
    assert "by web:" in page.locator(".history").inner_text()


def test_a_script_in_a_body_is_shown_and_stays_inert(world: Any, page: Any) -> None:
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    message_id = send_from_the_form(page, world[2], "Agent-1", HOSTILE)
    assert page.locator("pre.body").inner_text() == HOSTILE
    assert page.evaluate("typeof window.pwned") == "undefined"
    assert deliver(world).returncode == 0  # the live update swaps the body in again
    page.wait_for_selector(".summary .badge.ok:has-text('delivered')", timeout=5000)
    assert page.locator("pre.body").inner_text() == HOSTILE
    page.goto(world[2] + "messages")
    assert HOSTILE[:30] in page.locator(f"tr:has(a[href='/messages/{message_id}'])").inner_text()
    assert page.evaluate("typeof window.pwned") == "undefined"
    assert errors == []


def test_a_thread_grows_live_and_takes_a_reply_from_the_page(world: Any, page: Any) -> None:
    swarm, state, url = world
    asked = send_from_the_form(page, url, "Agent-2", "Which branch should I use?")
    page.wait_for_selector("#link-state:text-is('live')")  # no eval: the page's CSP forbids it
    page.evaluate("window.stayed = true")
    assert page.locator("ol.thread li.post").count() == 1
    answered = swarmbus(swarm, state, "reply", asked, "main, <b>please</b>", "--from", "Agent-2")
    assert answered.returncode == 0, answered.stderr
    answer = answered.stdout.strip()
    page.wait_for_selector(f"ol.thread li#m-{answer}")  # the reply arrived without a reload
    assert page.evaluate("window.stayed") is True
    assert page.locator(f"li#m-{answer} pre.post-body").inner_text() == "main, <b>please</b>"
    assert page.locator("li.post.current").get_attribute("id") == f"m-{asked}"
    page.fill("#reply-body", "Thanks, on it")
    page.click("button[type=submit]:has-text('Reply')")
    page.wait_for_url("**/messages/*?done=replied")
    mine = page.url.split("/messages/")[1].split("?")[0]
    posts = page.locator("ol.thread li.post")
    assert [posts.nth(n).get_attribute("id") for n in range(3)] == [
        f"m-{asked}",
        f"m-{answer}",
        f"m-{mine}",
    ]
    assert page.locator("li.post.current pre.post-body").inner_text() == "Thanks, on it"
    assert "→ Agent-2" in page.locator("li.post.current .post-head").inner_text()
