"""Two dispatchers in two processes share one screen: the screen lock keeps their
deliveries whole, each in its own window."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import anyio

from swarmbus.agents import config as swarm_config
from swarmbus.bus.api import Bus
from swarmbus.bus.transports.screen_state import ScreenLock, screen_key
from swarmbus.model import render
from tests.gui.conftest import write_gui_swarm
from tests.gui.xserver import REPO, Receiver

PER_SWARM = 12  # messages each dispatcher delivers
FILLER = "".join(f"  filler line {n:02d} with some words to paste\n" for n in range(40))


async def fill(folder: Path, receiver: Receiver, name: str) -> tuple[Path, list[str]]:
    """A swarm whose only agent is `receiver`'s window, with PER_SWARM messages waiting."""
    x, y = receiver.point
    config = write_gui_swarm(folder, {"Agent-1": {"x": x, "y": y}})
    async with await Bus.open(swarm_config.load(config, {})) as bus:
        ids = [
            await bus.send("Agent-9", "Agent-1", f"{name} message {n}\n{FILLER}")
            for n in range(PER_SWARM)
        ]
        texts = [render.gui_text(await bus.get(message_id)) for message_id in ids]
    return config, texts


async def claimed(config: Path) -> bool:
    async with await Bus.open(swarm_config.load(config, {})) as bus:
        return bool(await bus.db.messages.list(agent="Agent-1", status="claimed"))


def start_worker(config: Path, go: Path, display: str) -> subprocess.Popen[str]:
    env = {**os.environ, "DISPLAY": display}
    return subprocess.Popen(
        [sys.executable, "-m", "tests.gui.workers", str(config), str(go)],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def await_file(path: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not path.exists():
        assert time.monotonic() < deadline, f"{path} did not appear"
        time.sleep(0.01)


async def test_two_dispatchers_never_interleave(
    tmp_path: Path, receiver: Receiver, receiver_b: Receiver, display: str
) -> None:
    for name in ("a", "b"):
        (tmp_path / name).mkdir()
    config_a, texts_a = await fill(tmp_path / "a", receiver, "A")
    config_b, texts_b = await fill(tmp_path / "b", receiver_b, "B")
    go = tmp_path / "go"
    workers = [start_worker(config, go, display) for config in (config_a, config_b)]
    for config in (config_a, config_b):
        await_file(Path(f"{config}.ready"))
    with ScreenLock(screen_key(display)).held():  # both will be queued at the screen at once
        go.touch()
        with anyio.fail_after(60):
            while not (await claimed(config_a) and await claimed(config_b)):
                await anyio.sleep(0.01)
        assert receiver.submissions() == receiver_b.submissions() == []
    for worker in workers:
        out, err = worker.communicate(timeout=120)
        assert worker.returncode == 0, err
        assert json.loads(out.strip().splitlines()[-1])["delivered"] == PER_SWARM
    assert receiver.submissions() == texts_a
    assert receiver_b.submissions() == texts_b
