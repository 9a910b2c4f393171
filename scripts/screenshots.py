"""Take the README's screenshots of the dashboard: a demo swarm, `swarmbus web`, chromium.

Eight agents, some reports, deliveries and three dead letters, a review thread
between the person and Agent-2 (acknowledged), an overdue ack, some reads and
file reservations; then the overview (light theme) and a message of the thread,
with the thread shown, (dark theme) into docs/.

Usage: .venv/bin/python scripts/screenshots.py   (needs Debian's chromium)
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import anyio

from swarmbus.agents import config
from swarmbus.bus.api import Bus
from swarmbus.bus.dispatcher import Dispatcher, DispatcherOptions
from swarmbus.bus.transports.memory import MemoryTransport

REPO = Path(__file__).parents[1]
DOCS = REPO / "docs"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
TASKS = [
    "Please review PR 42: the retry policy change",
    "Rebase onto main, then run the whole suite",
    "Lint fails on bus/api.py line 12 <script>alert(1)</script>",
    "Deploy the docs site when CI is green",
    "Status? The stand-up is in 5 minutes",
]
REPORTS = [
    ("Agent-1", "busy", "PR 42: review the retry policy"),
    ("Agent-2", "idle", ""),
    ("Agent-3", "blocked", "waiting for CI on #118"),
    ("Agent-5", "busy", "docs: dashboard section"),
    ("Agent-6", "offline", ""),
]


def swarm_file(folder: Path) -> Path:
    lines = ["[bus]", "backoff_base_seconds = 0.01", "backoff_max_seconds = 0.05", ""]
    for n in range(1, 9):
        lines += ["[[agents]]", f'name = "Agent-{n}"', 'transport = "memory"', ""]
    path = folder / "swarmbus.toml"
    path.write_text("\n".join(lines))
    return path


async def populate(path: Path) -> str:
    """Messages, deliveries, dead letters, reports and a thread; returns the id of the
    message whose page is shown (the thread's middle one)."""
    async with await Bus.open(config.load(path, {})) as bus:
        for n in range(30):
            priority = ["normal", "high", "urgent", "low"][n % 4]
            sender, to = f"Agent-{1 + n % 8}", f"Agent-{1 + (n * 3) % 8}"
            await bus.send(sender, to, f"{TASKS[n % 5]} (#{n})", priority=priority)
        shown = await bus.send(
            "web:alice",
            "Agent-2",
            "Please review PR 42.\n\nThe retry "
            "policy change is in bus/retry.py; run `swarmbus doctor` after.",
            priority="high",
            tags=["review", "pr-42"],
            subject="PR 42: retry policy",
            ack_within=4 * 3600,
        )
        lost = MemoryTransport(
            fail=lambda m, a: (
                "window 'Cursor — Agent-4' not found" if m.to_agent == "Agent-4" else None
            )
        )
        await Dispatcher(bus, {"memory": lost}, DispatcherOptions(monitor=False)).run(once=True)
        for n in range(4):
            await bus.send("person", f"Agent-{3 + n}", f"queued: {TASKS[n]}")
        for agent, status, focus in REPORTS:
            await bus.report(agent, status, focus=focus or None)  # type: ignore[arg-type]
        return await converse(bus, shown)


async def converse(bus: Bus, shown: str) -> str:
    """A thread on `shown`, an ack, an overdue ack, reads and reservations."""
    await bus.ack(shown, "Agent-2", "reviewing now")
    answer = await bus.reply(
        shown,
        "Agent-2",
        "The backoff cap is off by one: attempt 4 waits 16 s, not 8 s.\n"
        "Fix pushed to the branch; CI is running.",
    )
    answer_id = answer.message_ids["web:alice"]
    await bus.reply(answer_id, "web:alice", "Thanks! Merge it once CI is green.")
    await bus.send("person", "Agent-3", "Status of #118?", ack_within=1)
    for agent in ("Agent-1", "Agent-5"):
        await bus.read(agent, agent)
    project = "/home/alice/work/swarmbus"
    await bus.reserve("Agent-2", ["bus/retry.py"], project, reason="PR 42 backoff fix")
    await bus.reserve("Agent-5", ["docs/**"], project, exclusive=False, reason="dashboard docs")
    await anyio.sleep(1.2)  # the status request's ack is overdue now
    return answer_id


def shoot(url: str, message_id: str) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium", headless=True, args=CHROMIUM_ARGS
        )
        for scheme, path, name in (
            ("light", "", "overview"),
            ("dark", f"messages/{message_id}", "message"),
        ):
            page = browser.new_page(viewport={"width": 1280, "height": 860}, color_scheme=scheme)
            page.goto(url + path)
            page.wait_for_function("document.getElementById('link-state').textContent === 'live'")
            page.screenshot(path=str(DOCS / f"{name}.png"), full_page=True)
            page.close()
        browser.close()


def main() -> None:
    folder = Path(tempfile.mkdtemp(prefix="swarmbus-shots-"))
    path = swarm_file(folder)
    message_id = anyio.run(populate, path)
    process = subprocess.Popen(
        [sys.executable, "-m", "swarmbus", "--config", str(path), "web", "--port", "0"],
        stdout=subprocess.PIPE,
        text=True,
        cwd=folder,
        env={**os.environ, "USER": "alice", "LOGNAME": "alice"},  # the page's sender: web:alice
    )
    try:
        found = re.search(r"(http://\S+/)", process.stdout.readline())  # type: ignore[union-attr]
        if found is None:
            raise SystemExit("swarmbus web did not start")
        DOCS.mkdir(exist_ok=True)
        shoot(found[1], message_id)
    finally:
        process.terminate()
        process.wait(15)
    print(f"wrote {DOCS / 'overview.png'} and {DOCS / 'message.png'}")


if __name__ == "__main__":
    main()
