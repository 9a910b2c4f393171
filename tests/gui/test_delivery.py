"""Messages arrive in a real Tk window through the real dispatcher, each exactly as sent."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from swarmbus.agents.config import Swarm
from swarmbus.bus.api import Bus
from swarmbus.bus.transports.selection import INCR_CHUNK
from swarmbus.model import render
from tests.gui.conftest import drain
from tests.gui.samples import twenty_kb, two_kb, write_gui_swarm
from tests.gui.xserver import Receiver, keys_down, leave_key_down
from tests.processes import swarmbus

BODIES = {
    "short ascii": "hello agent, please pull main",
    "2 KB multi-line": two_kb(),
    "unicode": "accents é ü ñ Å, CJK 漢字かな한국, emoji 🚀👩‍💻🎉, em-dash —, "
    "quotes “curly” ‘single’",
    "tabs": "col1\tcol2\t\tcol4\n\tindented with a tab\n",
    "20 KB": twenty_kb(),
}


@pytest.mark.parametrize("case", list(BODIES))
async def test_message_arrives_exactly_once(gui_bus: Bus, receiver: Receiver, case: str) -> None:
    body = BODIES[case]
    message_id = await gui_bus.send("Agent-2", "Agent-1", body, tags=["ci"])
    stats = await drain(gui_bus)
    message = await gui_bus.get(message_id)
    assert receiver.submissions() == [render.gui_text(message)]
    assert stats.delivered == 1
    assert message.delivery_status == "delivered"
    assert message.delivery_method == "pyautogui"
    assert message.coordinate_validation_status == "valid"
    assert message.pyautogui_coordinates is not None
    assert message.pyautogui_coordinates["agent"] == "Agent-1"
    assert (
        message.pyautogui_coordinates["x"],
        message.pyautogui_coordinates["y"],
    ) == receiver.point
    assert message.delivery_time_ms is not None


async def test_a_large_message_goes_in_increments(
    gui_swarm: Callable[..., Swarm], receiver: Receiver
) -> None:
    body = twenty_kb() * 10  # over INCR_CHUNK: the window reads it in chunks
    assert len(body.encode()) > 3 * INCR_CHUNK
    x, y = receiver.point
    swarm = gui_swarm({"Agent-1": {"x": x, "y": y}}, max_message_bytes=1_000_000)
    async with await Bus.open(swarm) as bus:
        message_id = await bus.send("Agent-2", "Agent-1", body)
        await drain(bus)
        message = await bus.get(message_id)
    assert message.delivery_status == "delivered"
    assert receiver.submissions() == [render.gui_text(message)]


@pytest.fixture
def keys_released(display: str) -> Iterator[None]:
    """Leave no key down for the next test, whatever this one did."""
    from swarmbus.agents.desktop import x11

    yield
    screen = x11.open_display(display)
    try:
        x11.release_held_keys(screen)
    finally:
        screen.close()


async def test_a_key_a_killed_process_left_down_is_released_before_the_click(
    gui_bus: Bus,
    receiver: Receiver,
    display: str,
    keys_released: None,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A process killed between a key's press and release leaves the key down. A held
    Shift turns the paste into Ctrl+Shift+V and Enter into Shift+Enter, a new line: the
    message would sit unsent in the box (a held Enter repeats instead). The delivery
    releases it under the screen lock, before its click."""
    shift = leave_key_down(display, "Shift_L")
    assert keys_down(display) == [shift]
    message_id = await gui_bus.send("Agent-2", "Agent-1", "after a stuck Shift")
    with caplog.at_level(logging.WARNING):
        await drain(gui_bus)
    assert keys_down(display) == []
    assert f"released key codes [{shift}]" in caplog.text
    assert receiver.submissions() == [render.gui_text(await gui_bus.get(message_id))]


async def test_a_dispatcher_starting_releases_a_key_left_down_before_any_message(
    tmp_path: Path, receiver: Receiver, display: str, keys_released: None
) -> None:
    """A held Enter repeats into whatever window has the keyboard until something
    releases it: `swarmbus run` does at its start, with nothing to deliver."""
    shift = leave_key_down(display, "Shift_L")
    x, y = receiver.point
    config = write_gui_swarm(tmp_path, {"Agent-1": {"x": x, "y": y}})
    process = swarmbus("--config", str(config), "run", "--once")
    _, err = process.communicate(timeout=120)
    assert process.returncode == 0, err
    assert keys_down(display) == []
    assert f"released key codes [{shift}]" in err
    assert receiver.submissions() == []  # nothing clicked, nothing typed
