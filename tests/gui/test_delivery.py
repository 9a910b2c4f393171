"""Messages arrive in a real Tk window through the real dispatcher, each exactly as sent."""

from __future__ import annotations

import pytest

from swarmbus.bus import render
from swarmbus.bus.api import Bus
from tests.gui.conftest import drain
from tests.gui.xserver import Receiver


def two_kb() -> str:
    lines = []
    for n in range(48):
        indent = "    " * (n % 4)
        lines.append(f"{indent}line {n}: the quick brown fox jumps")
        if n % 9 == 4:
            lines += ["", ""]
    return "\n".join(lines)[:2048]


def twenty_kb() -> str:
    block = "".join(f"{n:05d} {'word ' * 12}\n" + ("\n" if n % 10 == 0 else "") for n in range(300))
    return block[: 20 * 1024]


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
