"""The fail-safe pauses GUI delivery without burning retries; `swarmbus resume` continues.
Without a display, GUI messages wait (or take the inbox fallback) and nothing crashes."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path

import anyio
import anyio.to_thread
import pytest
from typer.testing import CliRunner

from swarmbus.agents.config import Swarm
from swarmbus.bus import transports
from swarmbus.bus.api import Bus
from swarmbus.bus.dispatcher import Dispatcher, DispatcherOptions
from swarmbus.cli import app
from swarmbus.model import render
from tests.gui.conftest import NEUTRAL_POINT, drain, move_pointer
from tests.gui.xserver import REPO, Receiver

WAIT = 20.0  # seconds any awaited condition may take on a loaded machine


async def eventually(check: Callable[[], Awaitable[bool]]) -> None:
    """Poll `check` until it holds (the dispatcher offers no event to wait on here)."""
    with anyio.fail_after(WAIT):
        while not await check():
            await anyio.sleep(0.02)


async def cli(*args: str) -> tuple[int, str]:
    """Run the CLI off the event loop (it runs its own loop)."""
    result = await anyio.to_thread.run_sync(CliRunner().invoke, app, list(args))
    return result.exit_code, result.output


async def system_detail(bus: Bus, name: str) -> str:
    system = await bus.db.systems.get(name)
    return (system.status_detail or "") if system else ""


async def statuses(bus: Bus, ids: list[str]) -> list[tuple[str, int]]:
    rows = [await bus.get(message_id) for message_id in ids]
    return [(row.delivery_status, row.retry_count) for row in rows]


async def while_paused(bus: Bus, config: str, first: str) -> list[str]:
    """Once the dispatcher reports the pause: messages wait, unattempted; status says why."""
    await eventually(lambda: _contains(system_detail(bus, "failsafe@test"), "paused by fail-safe"))
    second = await bus.send("Agent-9", "Agent-1", "sent while paused")
    code, output = await cli("-c", config, "status")
    assert code == 0
    assert "is paused by fail-safe" in output
    assert "run 'swarmbus resume'" in output
    assert await statuses(bus, [first, second]) == [("pending", 0), ("pending", 0)]
    return [first, second]


async def _contains(text: Awaitable[str], part: str) -> bool:
    return part in await text


async def test_the_failsafe_pauses_until_resume(
    gui_swarm: Callable[..., Swarm], receiver: Receiver, display: str
) -> None:
    x, y = receiver.point
    swarm = gui_swarm({"Agent-1": {"x": x, "y": y}}, heartbeat_seconds=0.1)
    move_pointer(display, 0, 0)  # the person flings the mouse into a corner
    async with await Bus.open(swarm) as bus:
        first = await bus.send("Agent-9", "Agent-1", "sent before the fling was noticed")
        built = transports.build(swarm)
        dispatcher = Dispatcher(bus, built, DispatcherOptions(name="failsafe@test"))
        async with anyio.create_task_group() as group:
            group.start_soon(dispatcher.run)
            ids = await while_paused(bus, str(swarm.path), first)
            move_pointer(display, *NEUTRAL_POINT)  # the person moves the mouse away ...
            code, output = await cli("-c", str(swarm.path), "resume")  # ... and resumes
            assert (code, "resumed GUI delivery" in output) == (0, True)
            assert "woke the dispatchers of this swarm" in output
            done = [("delivered", 0), ("delivered", 0)]
            await eventually(lambda: _equals(statuses(bus, ids), done))
            dispatcher.stop()
        for transport in built.values():
            await transport.aclose()
        rows = [await bus.get(m) for m in ids]
    assert receiver.submissions() == [render.gui_text(row) for row in rows]


async def _equals(value: Awaitable[object], expected: object) -> bool:
    return await value == expected


async def test_without_a_display_gui_messages_wait_or_take_the_inbox(
    gui_swarm: Callable[..., Swarm], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("DISPLAY", raising=False)
    swarm = gui_swarm(
        {"Agent-1": {"x": 10, "y": 10}, "Agent-2": {"x": 10, "y": 10, "fallback": "inbox"}}
    )
    async with await Bus.open(swarm) as bus:
        built = transports.build(swarm)
        reason = built["gui"].unavailable_reason()
        assert reason == "no display: DISPLAY is not set (GUI delivery needs a desktop session)"
        waiting = await bus.send("Agent-9", "Agent-1", "for a desktop")
        redirected = await bus.send("Agent-9", "Agent-2", "to the inbox meanwhile")
        await drain(bus)
        waiting_row, redirected_row = await bus.get(waiting), await bus.get(redirected)
    assert (waiting_row.delivery_status, waiting_row.retry_count) == ("pending", 0)
    assert redirected_row.delivery_status == "delivered"
    assert redirected_row.delivery_method == "inbox"
    [inbox_file] = swarm.inbox_dir(swarm.agents["Agent-2"]).iterdir()
    assert render.parse_inbox_document(inbox_file.read_text(encoding="utf-8"))[1] == (
        "to the inbox meanwhile"
    )


NO_DISPLAY_SEND = """
import sys
from swarmbus.cli import execute
import swarmbus.bus.transports.gui
status = execute(["-c", sys.argv[1], "send", "A", "hello"])
assert not status, status
loaded = [m for m in sys.modules if m.split(".")[0] in ("pyautogui", "Xlib", "pyperclip")]
assert not loaded, loaded
"""


def run_without_display(*args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "DISPLAY" and not k.startswith("SWARMBUS")}
    return subprocess.run(
        [sys.executable, *args], cwd=REPO, env=env, capture_output=True, text=True, timeout=60
    )


def test_send_needs_no_display_and_loads_no_gui_library(tmp_path: Path) -> None:
    config = tmp_path / "swarmbus.toml"
    config.write_text('[[agents]]\nname = "A"\ntransport = "gui"\nx = 1\ny = 2\n')
    done = run_without_display("-c", NO_DISPLAY_SEND, str(config))
    assert done.returncode == 0, done.stderr
    assert len(done.stdout.strip()) == 26  # the new message's id


def test_help_needs_no_display() -> None:
    helped = run_without_display("-m", "swarmbus", "--help")
    assert helped.returncode == 0
    assert "resume" in helped.stdout
