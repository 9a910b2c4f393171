"""What must not happen: typing into the wrong place, losing the clipboard, eating a draft."""

from __future__ import annotations

import subprocess
from collections.abc import Callable

import pytest

from swarmbus.agents.config import Swarm
from swarmbus.bus.api import Bus
from swarmbus.model import render
from tests.gui.conftest import NEUTRAL_POINT, drain, pointer_at
from tests.gui.xserver import Receiver

BODY_FIRST = "{body}\n\n(id {id})"  # the body leads the paste; the id is always there


def body_first(body: str, message_id: str) -> str:
    return f"{body}\n\n(id {message_id})"


def read_clipboard() -> str:
    return subprocess.run(
        ["xsel", "--clipboard", "--output"], capture_output=True, check=True, timeout=5
    ).stdout.decode("utf-8")


def write_clipboard(text: str) -> None:
    subprocess.run(
        ["xsel", "--clipboard", "--input"],
        input=text.encode("utf-8"),
        stdout=subprocess.DEVNULL,
        check=True,
        timeout=5,
    )


async def send_and_drain(swarm: Swarm, body: str, agent: str = "Agent-1") -> tuple[Bus, str]:
    bus = await Bus.open(swarm)
    message_id = await bus.send("Agent-9", agent, body)
    await drain(bus)
    return bus, message_id


@pytest.mark.parametrize("point", [(2500, 300), (-300, 300), (400, 1080), (1919, 1079)])
async def test_an_off_screen_point_fails_without_moving_the_mouse(
    gui_swarm: Callable[..., Swarm], receiver: Receiver, display: str, point: tuple[int, int]
) -> None:
    swarm = gui_swarm({"Agent-1": {"x": point[0], "y": point[1]}}, max_retries=1)
    bus, message_id = await send_and_drain(swarm, "must not arrive")
    async with bus:
        message = await bus.get(message_id)
    assert message.delivery_status == "failed"
    assert message.coordinate_validation_status == "off_screen"
    assert message.last_error is not None
    corner = point == (1919, 1079)
    expected = "is a screen corner" if corner else "is on no screen (screens: 1920x1080+0+0)"
    assert f"point {point} of Agent-1 {expected}" in message.last_error
    assert message.retry_count == 2
    assert pointer_at(display) == NEUTRAL_POINT
    assert receiver.submissions() == []


async def test_a_wrong_window_title_fails_without_typing(
    gui_swarm: Callable[..., Swarm], receiver: Receiver, display: str
) -> None:
    x, y = receiver.point
    swarm = gui_swarm(
        {
            "Agent-1": {"x": x, "y": y, "window_title": "Cursor"},
            "Agent-2": {"x": x, "y": y, "window_title": "RECEIVER a"},
        },
        max_retries=0,
    )
    bus, wrong = await send_and_drain(swarm, "for the Cursor window")
    async with bus:
        refused = await bus.get(wrong)
        assert refused.delivery_status == "failed"
        assert refused.coordinate_validation_status == "title_mismatch"
        assert "titled 'swarmbus receiver A', expected one containing 'Cursor'" in (
            refused.last_error or ""
        )
        assert pointer_at(display) == NEUTRAL_POINT  # refused before the click
        right = await bus.send("Agent-9", "Agent-2", "for the receiver")
        await drain(bus)
        delivered = await bus.get(right)
    assert delivered.coordinate_validation_status == "valid"
    assert delivered.pyautogui_coordinates is not None
    assert delivered.pyautogui_coordinates["window"] == "swarmbus receiver A"
    assert receiver.submissions() == [render.gui_text(delivered)]  # nothing typed before it


async def test_a_click_that_misses_any_text_box_fails_before_enter(
    gui_swarm: Callable[..., Swarm], receiver: Receiver
) -> None:
    swarm = gui_swarm({"Agent-1": {"x": 1500, "y": 800, "paste_timeout": 0.3}}, max_retries=0)
    bus, message_id = await send_and_drain(swarm, "into the void")
    async with bus:
        message = await bus.get(message_id)
    assert message.delivery_status == "failed"
    assert message.coordinate_validation_status == "valid"  # on screen, just not a chat box
    assert "nothing read the clipboard within 0.3 s of ctrl+v" in (message.last_error or "")
    assert message.pyautogui_coordinates is not None
    assert message.pyautogui_coordinates["paste_confirmed"] is False
    assert message.pyautogui_coordinates["paste_confirmation"] == "x11_selection_request"
    assert receiver.submissions() == []


async def test_the_previous_clipboard_comes_back(
    gui_swarm: Callable[..., Swarm], receiver: Receiver
) -> None:
    write_clipboard("the person's clipboard ✂ with\nnewlines")
    x, y = receiver.point
    bus, message_id = await send_and_drain(gui_swarm({"Agent-1": {"x": x, "y": y}}), "pasted")
    async with bus:
        message = await bus.get(message_id)
    assert receiver.submissions() == [render.gui_text(message)]
    assert read_clipboard() == "the person's clipboard ✂ with\nnewlines"


async def test_text_starting_with_a_slash_or_bang_arrives_as_is(
    gui_swarm: Callable[..., Swarm], receiver: Receiver
) -> None:
    x, y = receiver.point
    swarm = gui_swarm({"Agent-1": {"x": x, "y": y, "message_template": BODY_FIRST}})
    async with await Bus.open(swarm) as bus:
        bodies = ("/compact now", "!ls -la\n/second line")
        ids = [await bus.send("Agent-9", "Agent-1", body) for body in bodies]
        await drain(bus)
    assert receiver.submissions() == [body_first(b, i) for b, i in zip(bodies, ids, strict=True)]


async def test_typing_fallback_types_ascii_and_refuses_what_it_cannot_type(
    gui_swarm: Callable[..., Swarm], receiver: Receiver
) -> None:
    x, y = receiver.point
    settings = {"x": x, "y": y, "input_method": "type", "message_template": BODY_FIRST}
    swarm = gui_swarm({"Agent-1": settings}, max_retries=0)
    async with await Bus.open(swarm) as bus:
        typed = await bus.send("Agent-9", "Agent-1", "typed, two lines:\n  second (ok)")
        refused = await bus.send("Agent-9", "Agent-1", "café — “quoted”")
        await drain(bus)
        typed_row, refused_row = await bus.get(typed), await bus.get(refused)
    assert receiver.submissions() == [body_first("typed, two lines:\n  second (ok)", typed)]
    assert typed_row.delivery_method == "pyautogui_typing"
    assert refused_row.delivery_status == "failed"
    assert "typing cannot enter 'é', '—', '“', '”'" in (refused_row.last_error or "")


@pytest.mark.parametrize("clear", [False, True])
async def test_a_draft_in_the_box_is_merged_or_replaced(
    gui_swarm: Callable[..., Swarm], receiver: Receiver, clear: bool
) -> None:
    x, y = receiver.point
    settings = {"x": x, "y": y, "message_template": BODY_FIRST, "clear_before_paste": clear}
    receiver.command("draft", "half-typed draft ")
    async with await Bus.open(gui_swarm({"Agent-1": settings})) as bus:
        message_id = await bus.send("Agent-9", "Agent-1", "the message")
        await drain(bus)
    expected = ("" if clear else "half-typed draft ") + body_first("the message", message_id)
    assert receiver.submissions() == [expected]
