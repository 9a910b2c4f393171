"""GUI test fixtures: one Xvfb and two receiver windows for the whole session.

Each test gets DISPLAY pointed at the session's server, the pointer parked in
a neutral spot, and (through `receiver`) an empty box whose submissions are
counted from the start of the test. The desktop tests get a second server
(`two_monitors`): two RandR monitors of different heights side by side, a
window manager (openbox), and a receiver on each monitor.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import anyio
import pytest

from swarmbus.agents import config as swarm_config
from swarmbus.agents.config import Swarm
from swarmbus.agents.desktop import x11 as screen
from swarmbus.bus import transports
from swarmbus.bus.api import Bus
from swarmbus.bus.dispatcher import Dispatcher, DispatcherOptions
from swarmbus.bus.health import DispatchStats
from swarmbus.bus.transports.screen_state import PauseMarker, screen_key
from tests.gui.samples import write_gui_swarm
from tests.gui.xserver import Receiver, WindowManager, Xvfb

NEUTRAL_POINT = (960, 900)  # on screen, off every receiver, far from the fail-safe corners
GEOMETRIES = {"A": "800x500+40+40", "B": "800x500+1000+40"}
# X11 has no negative coordinates: the "left" monitor starts at 0 and the primary
# one at its right edge. The left one is shorter, leaving a dead corner below it.
MONITORS = {"left": "1280/340x1024/270+0+0", "*primary": "1920/510x1080/290+1280+0"}
MONITOR_OUTPUTS = {"left": "none", "*primary": "screen"}  # the primary takes Xvfb's one output
DESK_GEOMETRIES = {"left": "700x400+200+200", "primary": "800x500+1800+200"}
DESK_NEUTRAL_POINT = (1000, 900)  # on the left monitor, off both receivers


@dataclass
class TwoMonitors:
    """The second test server: its display and a receiver per monitor."""

    display: str
    receivers: dict[str, Receiver]


@pytest.fixture(scope="session")
def two_monitors(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TwoMonitors]:
    server = Xvfb.start("3200x1080x24", options=("-noreset",))
    started: list[Receiver | WindowManager] = []
    try:
        for name, geometry in MONITORS.items():
            server.run("xrandr", "--setmonitor", name, geometry, MONITOR_OUTPUTS[name])
        folder = tmp_path_factory.mktemp("desk")
        started.append(WindowManager.start(server.display, folder))
        receivers = {}
        for name, geometry in DESK_GEOMETRIES.items():
            receivers[name] = Receiver(f"swarmbus desk {name}", geometry, folder / name)
            started.append(receivers[name])
            receivers[name].start(server.display)
        yield TwoMonitors(server.display, receivers)
    finally:
        for process in reversed(started):
            process.stop()
        server.stop()


@pytest.fixture
def desk(two_monitors: TwoMonitors, monkeypatch: pytest.MonkeyPatch) -> Iterator[TwoMonitors]:
    """DISPLAY on the two-monitor server, the pointer parked, both receivers emptied."""
    monkeypatch.setenv("DISPLAY", two_monitors.display)
    move_pointer(two_monitors.display, *DESK_NEUTRAL_POINT)
    for receiver in two_monitors.receivers.values():
        receiver.reset()
    yield two_monitors
    PauseMarker(screen_key(two_monitors.display)).clear()


@pytest.fixture(scope="session")
def xvfb() -> Iterator[Xvfb]:
    server = Xvfb.start()
    marker = PauseMarker(screen_key(server.display))
    marker.clear()
    yield server
    marker.clear()
    server.stop()


@pytest.fixture(scope="session")
def receivers(
    xvfb: Xvfb, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, Receiver]]:
    folder = tmp_path_factory.mktemp("receivers")
    started = {}
    try:
        for name, geometry in GEOMETRIES.items():
            receiver = Receiver(f"swarmbus receiver {name}", geometry, folder / name)
            receiver.start(xvfb.display)
            started[name] = receiver
        yield started
    finally:
        for receiver in started.values():
            receiver.stop()


def move_pointer(display: str, x: int, y: int) -> None:
    connection = screen.open_display(display)
    connection.screen().root.warp_pointer(x, y)
    connection.sync()
    connection.close()


def pointer_at(display: str) -> tuple[int, int]:
    connection = screen.open_display(display)
    try:
        return screen.pointer(connection)
    finally:
        connection.close()


@pytest.fixture
def display(xvfb: Xvfb, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    monkeypatch.setenv("DISPLAY", xvfb.display)
    move_pointer(xvfb.display, *NEUTRAL_POINT)
    yield xvfb.display
    PauseMarker(screen_key(xvfb.display)).clear()  # a failed fail-safe test must not pause the rest


@pytest.fixture
def receiver(receivers: dict[str, Receiver], display: str) -> Receiver:
    chosen = receivers["A"]
    chosen.reset()
    return chosen


@pytest.fixture
def receiver_b(receivers: dict[str, Receiver], display: str) -> Receiver:
    chosen = receivers["B"]
    chosen.reset()
    return chosen


@pytest.fixture
def gui_swarm(tmp_path: Path) -> Callable[..., Swarm]:
    def make(agents: dict[str, dict[str, Any]], **bus: Any) -> Swarm:
        path = write_gui_swarm(tmp_path, agents, **bus)
        env = {k: v for k, v in os.environ.items() if not k.startswith("SWARMBUS_")}
        return swarm_config.load(path, env)

    return make


@pytest.fixture
async def gui_bus(gui_swarm: Callable[..., Swarm], receiver: Receiver) -> AsyncIterator[Bus]:
    """A bus whose Agent-1 is the receiver's window."""
    x, y = receiver.point
    async with await Bus.open(gui_swarm({"Agent-1": {"x": x, "y": y}})) as bus:
        yield bus


async def drain(bus: Bus, timeout: float = 60, **options: Any) -> DispatchStats:
    """Run a real dispatcher with the swarm's real transports until nothing is deliverable."""
    built = transports.build(bus.swarm)
    try:
        with anyio.fail_after(timeout):
            return await Dispatcher(bus, built, DispatcherOptions(**options)).run(once=True)
    finally:
        for transport in built.values():
            await transport.aclose()
