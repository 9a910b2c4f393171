"""The X11 backend on two monitors with a window manager: points, titles, focus, delivery.

The server (`two_monitors` in conftest) has a 3200x1080 root with two RandR
monitors: 1280x1024 at x = 0 and the primary 1920x1080 at x = 1280, so the
strip below the left monitor (y >= 1024) is on no screen. X11 has no negative
coordinates; a monitor a client declares at x < 0 is cut away. openbox
frames the windows and moves the focus on clicks, as a real desktop does.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import tomllib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from typer.testing import CliRunner
from Xlib import X
from Xlib.ext import xtest

from swarmbus.agents.config import Swarm
from swarmbus.agents.desktop.base import Rect
from swarmbus.agents.desktop.x11 import X11Desktop
from swarmbus.agents.targeting import TargetCheck, TargetRefused
from swarmbus.bus.api import Bus
from swarmbus.cli import app
from swarmbus.model import render
from tests.gui.conftest import TwoMonitors, move_pointer
from tests.gui.samples import write_gui_swarm
from tests.gui.xserver import REPO
from tests.processes import dispatcher

LEFT = Rect(0, 0, 1280, 1024)
PRIMARY = Rect(1280, 0, 1920, 1080)
LAYOUT = "1920x1080+1280+0, 1280x1024+0+0"  # the primary monitor first, as RandR lists it


@contextmanager
def opened(display: str) -> Iterator[X11Desktop]:
    desktop = X11Desktop(display)
    try:
        yield desktop
    finally:
        desktop.close()


def test_the_monitors_come_from_randr_primary_first(desk: TwoMonitors) -> None:
    with opened(desk.display) as desktop:
        assert desktop.screens() == [PRIMARY, LEFT]
        assert desktop.corners() == {(0, 0), (3199, 0), (0, 1079), (3199, 1079)}


def test_mss_lists_the_same_monitors(desk: TwoMonitors) -> None:
    import mss

    with mss.MSS() as grabber:
        listed = [(m["left"], m["top"], m["width"], m["height"]) for m in grabber.monitors[1:]]
    with opened(desk.display) as desktop:
        ours = [(s.x, s.y, s.width, s.height) for s in desktop.screens()]
    assert listed == ours


def gui_agent(tmp_path: Path, point: tuple[int, int], **settings: object) -> Swarm:
    from swarmbus.agents import config as swarm_config

    agent = {"x": point[0], "y": point[1], **settings}
    return swarm_config.load(write_gui_swarm(tmp_path, {"Agent-1": agent}), {})


@pytest.mark.parametrize(
    ("point", "screen"),
    [((600, 500), LEFT), ((1279, 1023), LEFT), ((1280, 0), PRIMARY), ((3100, 1070), PRIMARY)],
)
def test_points_on_either_monitor_are_valid(
    desk: TwoMonitors, tmp_path: Path, point: tuple[int, int], screen: Rect
) -> None:
    with opened(desk.display) as desktop:
        check = TargetCheck(desktop, gui_agent(tmp_path, point).agents["Agent-1"])
        check.check_point()
    assert (check.status, check.coordinates["screen"]) == ("valid", str(screen))


@pytest.mark.parametrize(
    ("point", "problem"),
    [
        ((600, 1050), f"is on no screen (screens: {LAYOUT})"),  # below the shorter left monitor
        ((3300, 10), f"is on no screen (screens: {LAYOUT})"),  # right of the primary
        ((-1269, 481), f"is on no screen (screens: {LAYOUT})"),  # the seed's left-monitor point
        ((3199, 1079), "is a screen corner"),  # on screen, but pyautogui's fail-safe
    ],
)
def test_points_between_or_off_the_monitors_are_refused(
    desk: TwoMonitors, tmp_path: Path, point: tuple[int, int], problem: str
) -> None:
    with opened(desk.display) as desktop:
        check = TargetCheck(desktop, gui_agent(tmp_path, point).agents["Agent-1"])
        with pytest.raises(TargetRefused) as refused:
            check.check_point()
    assert check.status == "off_screen"
    assert f"point {point} of Agent-1 {problem}" in str(refused.value)
    assert "\n" not in str(refused.value)


def xrandr(display: str, *args: str) -> None:
    env = {**os.environ, "DISPLAY": display}
    subprocess.run(["xrandr", *args], env=env, check=True, capture_output=True, timeout=10)


def test_a_monitor_declared_left_of_the_root_is_cut_away(desk: TwoMonitors) -> None:
    xrandr(desk.display, "--setmonitor", "ghost", "1280/340x1024/270+-1280+0", "none")
    try:
        with opened(desk.display) as desktop:
            declared = desktop.display.screen().root.xrandr_get_monitors(is_active=True)
            assert -1280 in [monitor.x for monitor in declared.monitors]  # RandR took it
            assert desktop.screens() == [PRIMARY, LEFT]  # nothing can be shown there
    finally:
        xrandr(desk.display, "--delmonitor", "ghost")


def click(display: str, x: int, y: int) -> None:
    """A real button press through XTest, as a person's click arrives."""
    from swarmbus.agents.desktop.x11 import open_display

    connection = open_display(display)
    try:
        connection.screen().root.warp_pointer(x, y)
        xtest.fake_input(connection, X.ButtonPress, 1)
        xtest.fake_input(connection, X.ButtonRelease, 1)
        connection.sync()
    finally:
        connection.close()


def focused_title(desktop: X11Desktop, expected: str, timeout: float = 5.0) -> str | None:
    deadline = time.monotonic() + timeout
    while (window := desktop.focused_window()) is None or window.title != expected:
        if time.monotonic() > deadline:
            break
        time.sleep(0.02)
    return window.title if window else None


def test_the_window_manager_moves_the_focus_to_the_clicked_window(desk: TwoMonitors) -> None:
    with opened(desk.display) as desktop:
        for name in ("left", "primary", "left"):
            receiver = desk.receivers[name]
            click(desk.display, *receiver.point)
            assert focused_title(desktop, receiver.title) == receiver.title
            window = desktop.window_at(*receiver.point)
            assert window is not None
            assert window.title == receiver.title  # the app's window, not openbox's frame
            assert window.process is not None
            assert window.process.startswith("python")  # from _NET_WM_PID


def invoke(config: Path, *args: str) -> str:
    result = CliRunner().invoke(app, ["-c", str(config), *args])
    return result.output


def test_agents_check_names_both_titles_and_the_layout(desk: TwoMonitors, tmp_path: Path) -> None:
    left, primary = desk.receivers["left"], desk.receivers["primary"]
    config = write_gui_swarm(
        tmp_path,
        {
            "Agent-1": {"x": left.point[0], "y": left.point[1], "window_title": "desk left"},
            "Agent-2": {"x": primary.point[0], "y": primary.point[1], "window_title": "Cursor"},
            "Agent-3": {"x": 600, "y": 1050},
        },
    )
    lines = invoke(config, "agents", "check").splitlines()
    assert lines[0].startswith("ok   Agent-1")
    assert f"on {LEFT}, window 'swarmbus desk left' (python" in lines[0]
    assert lines[1].startswith("FAIL Agent-2")
    assert "titled 'swarmbus desk primary', expected one containing 'Cursor'" in lines[1]
    assert lines[2].startswith("FAIL Agent-3")
    assert f"(screens: {LAYOUT})" in lines[2]


def test_calibrate_reads_the_monitor_and_title_on_the_primary_monitor(
    desk: TwoMonitors, tmp_path: Path
) -> None:
    config = write_gui_swarm(tmp_path, {"Agent-1": {"x": 1, "y": 1}})
    move_pointer(desk.display, 2100, 400)
    output = invoke(config, "agents", "calibrate", "Agent-1", "--seconds", "0", "--yes")
    assert "Agent-1: point (2100, 400), screen 1920x1080+1280+0" in output
    assert "window there: 'swarmbus desk primary' (python" in output
    agent = tomllib.loads(config.read_text())["agents"][0]
    assert (agent["x"], agent["y"], agent["window_title"]) == (2100, 400, "swarmbus desk primary")


async def test_delivery_on_each_monitor_checks_titles_and_confirms_the_paste(
    desk: TwoMonitors, gui_swarm: Callable[..., Swarm]
) -> None:
    left, primary = desk.receivers["left"], desk.receivers["primary"]
    swarm = gui_swarm(
        {
            "Agent-1": {"x": left.point[0], "y": left.point[1], "window_title": "desk left"},
            "Agent-2": {"x": primary.point[0], "y": primary.point[1], "window_title": "primary"},
        }
    )
    async with await Bus.open(swarm) as bus:
        ids = [await bus.send("Agent-9", name, f"to {name} ✓") for name in ("Agent-1", "Agent-2")]
    run = dispatcher(swarm, "--once")  # its own process: pyautogui binds to one display
    output = run.communicate(timeout=60)
    assert run.returncode == 0, output
    async with await Bus.open(swarm) as bus:
        rows = [await bus.get(message_id) for message_id in ids]
    for row, receiver, screen in zip(rows, (left, primary), (LEFT, PRIMARY), strict=True):
        assert receiver.submissions() == [render.gui_text(row)]
        assert row.coordinate_validation_status == "valid"
        coordinates = row.pyautogui_coordinates or {}
        assert coordinates["screen"] == str(screen)
        assert coordinates["window"] == receiver.title
        assert coordinates["paste_confirmed"] is True
        assert coordinates["paste_confirmation"] == "x11_selection_request"


def test_the_hosted_ci_smoke_test_runs_here_on_x11(display: str) -> None:
    """tests/desktops/smoke.py is what the Windows and macOS runners run; here it takes X11."""
    done = subprocess.run(
        [sys.executable, "-m", "tests.desktops.smoke"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert "'confirmed': True" in done.stdout
    assert done.stdout.endswith("desktop smoke test passed\n")
