"""Never twice on the screen by accident: real dispatcher processes, a real window on Xvfb.

A paste cannot be taken back, so these run what a user runs (`swarmbus run`)
and read what the window received: two dispatchers with short leases, a
dispatcher killed between paste and record, and one stopped mid-paste.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections import Counter
from pathlib import Path
from typing import Any

import anyio.lowlevel
import pytest

from swarmbus.agents import config as swarm_config
from swarmbus.bus.api import Bus
from swarmbus.model import render
from swarmbus.model.messages import Message
from tests.gui.samples import write_gui_swarm
from tests.gui.xserver import Receiver, await_keys_released
from tests.processes import spawn, swarmbus


async def fill(config: Path, to: list[str], count: int) -> list[str]:
    """Send `count` messages round-robin to the agents `to`; return their ids."""
    async with await Bus.open(swarm_config.load(config, {})) as bus:
        return [await bus.send("Agent-9", to[n % len(to)], f"message {n}") for n in range(count)]


async def rows(config: Path, message_ids: list[str]) -> list[Message]:
    async with await Bus.open(swarm_config.load(config, {})) as bus:
        return [await bus.get(message_id) for message_id in message_ids]


def finish(process: subprocess.Popen[str], timeout: float = 120) -> str:
    out, err = process.communicate(timeout=timeout)
    assert process.returncode == 0, err
    return out


def await_submissions(receiver: Receiver, count: int, timeout: float = 60) -> None:
    """Wait until the window has recorded `count` submissions since its reset."""
    deadline = time.monotonic() + timeout
    while len(receiver.all_submissions()) - receiver.mark < count:
        assert time.monotonic() < deadline, "the window received nothing in time"
        time.sleep(0.005)


async def test_two_dispatchers_with_short_leases_paste_each_message_once(
    tmp_path: Path, receiver: Receiver, display: str
) -> None:
    """The reported reproduction: four GUI agents share one window, two `swarmbus run`
    processes serve them on one host, a 1 s lease and 0.4 s per paste. Before, the
    lanes queued behind the screen lost their leases and 22 of 24 were pasted twice."""
    x, y = receiver.point
    agents = {f"Agent-{n}": {"x": x, "y": y, "submit_delay": 0.4} for n in range(1, 5)}
    config = write_gui_swarm(tmp_path, agents, lease_seconds=1)
    sent = await fill(config, list(agents), 12)
    runs = [swarmbus("--config", str(config), "run", "--once") for _ in range(2)]
    for run in runs:
        finish(run)
    expected = [render.gui_text(message) for message in await rows(config, sent)]
    assert Counter(receiver.submissions()) == Counter(expected)
    assert all(m.delivery_status == "delivered" for m in await rows(config, sent))


@pytest.mark.parametrize("on_uncertain", ["resend", "hold"])
async def test_a_dispatcher_killed_between_paste_and_record(
    tmp_path: Path, receiver: Receiver, display: str, on_uncertain: str
) -> None:
    """kill -9 while the first message sits pasted but unrecorded. The next run resends
    it under a "may repeat" line (or holds it as a dead letter); every other message
    arrives once."""
    x, y = receiver.point
    slow: dict[str, Any] = {"x": x, "y": y, "on_uncertain": on_uncertain}
    config = write_gui_swarm(
        tmp_path, {"Agent-1": {**slow, "clipboard_restore_delay": 5}}, lease_seconds=1
    )
    first, *rest = sent = await fill(config, ["Agent-1"], 3)
    victim = swarmbus("--config", str(config), "run")
    await_submissions(receiver, 1)
    await_keys_released(display)  # not mid-keystroke: a killed press would repeat
    os.kill(victim.pid, signal.SIGKILL)  # the paste is in, its record is not
    victim.communicate()
    cut_off = (await rows(config, [first]))[0]
    assert cut_off.delivery_status == "claimed"
    assert cut_off.attempt_started_at is not None
    write_gui_swarm(tmp_path, {"Agent-1": slow}, lease_seconds=1)
    finish(swarmbus("--config", str(config), "run", "--once"))
    texts = {m.message_id: render.gui_text(m) for m in await rows(config, sent)}
    after = await rows(config, sent)
    if on_uncertain == "resend":
        repeat = render.gui_text(cut_off, None, cut_off.attempt_started_at)
        assert repeat.startswith(f"[swarmbus] this may repeat message {first}: ")
        assert repeat.endswith(texts[first])
        assert receiver.submissions() == [texts[first], repeat, *(texts[i] for i in rest)]
        assert [m.delivery_status for m in after] == ["delivered"] * 3
        return
    assert receiver.submissions() == [texts[first], *(texts[i] for i in rest)]
    assert [m.delivery_status for m in after] == ["failed", "delivered", "delivered"]
    assert f"attempt at message {first} was interrupted at" in (after[0].last_error or "")
    finish(swarmbus("--config", str(config), "retry", first))  # a person decides to resend
    finish(swarmbus("--config", str(config), "run", "--once"))
    assert receiver.submissions()[-1] == texts[first]


async def test_a_paste_finished_after_the_stop_grace_is_still_recorded(
    tmp_path: Path, receiver: Receiver, display: str
) -> None:
    """SIGTERM while a paste is under way, with a grace shorter than the paste: the paste
    finishes and is recorded before exit, instead of being left for a later re-paste."""
    x, y = receiver.point
    slow = {"x": x, "y": y, "clipboard_restore_delay": 3}
    config = write_gui_swarm(tmp_path, {"Agent-1": slow})
    first, second = await fill(config, ["Agent-1"], 2)
    go = tmp_path / "go"
    go.touch()
    worker = spawn("-m", "tests.gui.workers", str(config), str(go), "0.2")  # 0.2 s of grace
    await_submissions(receiver, 1)
    worker.send_signal(signal.SIGTERM)
    finish(worker)
    recorded, handed_back = await rows(config, [first, second])
    assert recorded.delivery_status == "delivered"
    assert recorded.attempt_started_at is None
    assert handed_back.delivery_status == "pending"
    assert handed_back.claim_token is None
    assert receiver.submissions() == [render.gui_text(recorded)]
    await anyio.lowlevel.checkpoint()
