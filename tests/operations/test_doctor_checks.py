"""Doctor checks whose failure cannot be staged through `swarmbus doctor` itself.

`open_database` switches a file to WAL and the round trip writes into a
temporary folder the doctor makes, so these run the checks on a `Patient`
built by hand; GUI points run against a real X server (Xvfb).
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from swarmbus.agents.config import Swarm
from swarmbus.agents.desktop import on_any
from swarmbus.agents.desktop.base import Rect as Screen
from swarmbus.bus.checkup import Check, Patient
from swarmbus.bus.doctor_database import database_checks
from swarmbus.bus.doctor_swarm import swarm_checks
from swarmbus.storage import migrations
from swarmbus.storage.database import Database, open_database
from swarmbus.storage.sqlite import connect
from tests.operations.conftest import rows


def pick(checks: list[Check], name: str) -> Check:
    return next(check for check in checks if check.name == name)


async def test_journal_mode_fails_when_the_file_is_not_in_wal_mode(tmp_path: Path) -> None:
    connector = await connect(tmp_path / "plain.db")  # a new file starts in rollback-journal mode
    async with Database(connector) as db:
        await migrations.migrate(connector)
        journal = pick(database_checks(Patient(db, None, {}, tmp_path)), "journal_mode")
        outcome = await journal.run()
    assert outcome.status == "failed"
    assert outcome.actual == {"journal_mode": "delete"}
    assert journal.expected == {"journal_mode": "wal"}


async def test_a_failed_round_trip_still_removes_its_probe(tmp_path: Path) -> None:
    not_a_folder = tmp_path / "file"
    not_a_folder.write_text("the probe's inbox cannot be created under a file")
    async with await open_database(tmp_path / "t.db") as db:
        patient = Patient(db, None, {}, not_a_folder / "inbox")
        outcome = await pick(database_checks(patient), "round_trip").run()
        passed = await pick(database_checks(Patient(db, None, {}, tmp_path)), "round_trip").run()
    assert outcome.status == "failed"
    assert outcome.actual["stage"] == "deliver"
    assert "cannot write to inbox" in outcome.detail
    assert passed.status == "passed"
    assert rows(tmp_path / "t.db", "agent_messages") == []
    hidden = rows(tmp_path / "t.db", "agent_workspaces")
    assert [(r[0], r[-1]) for r in hidden] == [("swarmbus:probe", 0)]  # configured = 0


ONE_SCREEN = ["-screen", "0", "1280x800x24"]
TWO_SCREENS = [*ONE_SCREEN, "-screen", "1", "1024x768x24", "+xinerama"]  # side by side


@pytest.fixture
def display(request: pytest.FixtureRequest) -> Iterator[str]:
    """A fresh Xvfb on a free display number: one 1280x800 screen, or the two of TWO_SCREENS."""
    screens = getattr(request, "param", ONE_SCREEN)
    read, write = os.pipe()
    server = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write), *screens, "-nolisten", "tcp"],
        pass_fds=(write,),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    os.close(write)
    with os.fdopen(read) as stream:
        number = stream.readline().strip()  # written once the server accepts connections
    assert number, "Xvfb did not start"
    yield f":{number}"
    server.terminate()
    server.wait(timeout=30)


async def gui_outcome(swarm: Swarm, env: dict[str, str]):  # type: ignore[no-untyped-def]
    async with await open_database(swarm.database) as db:
        patient = Patient(db, swarm, env, Path(swarm.path.parent))
        return await pick(await swarm_checks(patient), "gui_points").run()


def gui_swarm(make_swarm: Callable[..., Swarm], points: list[tuple[int, int]]) -> Swarm:
    extra = "".join(
        f'[[agents]]\nname = "Gui-{n}"\ntransport = "gui"\nx = {x}\ny = {y}\n\n'
        for n, (x, y) in enumerate(points, start=1)
    )
    swarm = make_swarm(["Agent-1"], transport="inbox")
    swarm.path.write_text(swarm.path.read_text() + "\n" + extra)
    from swarmbus.agents import config

    return config.load(swarm.path, {})


async def test_gui_points_on_a_real_screen(make_swarm: Callable[..., Swarm], display: str) -> None:
    swarm = gui_swarm(make_swarm, [(100, 100), (1279, 799)])
    outcome = await gui_outcome(swarm, {"DISPLAY": display})
    assert outcome.status == "passed"
    screen = {"x": 0, "y": 0, "width": 1280, "height": 800, "scale": 1.0}
    assert outcome.actual["screens"] == [screen]
    assert outcome.actual["backend"] == "x11"


async def test_a_gui_point_off_every_screen_fails(
    make_swarm: Callable[..., Swarm], display: str
) -> None:
    swarm = gui_swarm(make_swarm, [(100, 100), (-1269, 481), (1280, 10)])
    outcome = await gui_outcome(swarm, {"DISPLAY": display})
    assert outcome.status == "failed"
    assert outcome.actual["off_screen"] == ["Gui-2", "Gui-3"]


@pytest.mark.parametrize("display", [TWO_SCREENS], indirect=True)
async def test_the_doctor_sees_the_screens_the_transport_sees(
    make_swarm: Callable[..., Swarm], display: str
) -> None:
    import dataclasses

    from swarmbus.agents.desktop import x11 as screen

    swarm = gui_swarm(make_swarm, [(100, 100), (1279, 799), (1280, 10)])
    outcome = await gui_outcome(swarm, {"DISPLAY": display})
    connection = screen.open_display(display)
    try:
        expected = [dataclasses.asdict(rect) for rect in screen.screens(connection)]
    finally:
        connection.close()
    # one geometry for delivery and for the doctor (RandR monitors first, then Xinerama)
    assert outcome.actual["screens"] == expected
    assert outcome.actual["off_screen"] == ["Gui-3"]


def test_a_monitor_left_of_the_primary_has_negative_coordinates() -> None:
    left, primary = Screen(-1920, 0, 1920, 1080), Screen(0, 0, 2560, 1440)
    assert on_any((-1269, 481), [left, primary])
    assert not on_any((-1269, 481), [primary])
    assert not on_any((-1921, 10), [left, primary])
    assert not on_any((100, 1440), [left, primary])


async def test_gui_points_without_a_display_are_skipped(make_swarm: Callable[..., Swarm]) -> None:
    swarm = gui_swarm(make_swarm, [(-1269, 481)])
    outcome = await gui_outcome(swarm, {})
    assert (outcome.status, outcome.detail) == ("skipped", "no display")


async def test_an_unreachable_display_fails(make_swarm: Callable[..., Swarm]) -> None:
    swarm = gui_swarm(make_swarm, [(10, 10)])
    outcome = await gui_outcome(swarm, {"DISPLAY": ":4321"})
    assert outcome.status == "failed"
    assert "cannot open display ':4321'" in outcome.detail


@pytest.fixture
def windows_desk(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """This process as if on Windows, user32 answering with the seed's three-monitor desk."""
    from swarmbus.agents import desktop
    from swarmbus.agents.desktop import win32, windows
    from tests.unit.test_windows_backend import FakeUser32

    class Desk(FakeUser32):
        def SetProcessDpiAwarenessContext(self, context: int) -> int:
            return 1

    monkeypatch.setattr(desktop, "PLATFORM", "win32")
    monkeypatch.setattr(win32, "load", Desk)
    windows.ensure_dpi_aware.cache_clear()
    yield
    windows.ensure_dpi_aware.cache_clear()


async def test_gui_points_on_windows_take_the_monitor_left_of_the_primary(
    make_swarm: Callable[..., Swarm], windows_desk: None
) -> None:
    swarm = gui_swarm(make_swarm, [(-1269, 481), (100, -1000)])  # left monitor, upper monitor
    outcome = await gui_outcome(swarm, {})
    assert (outcome.status, outcome.actual["backend"]) == ("passed", "windows")
    assert outcome.detail == "2 gui points on 3 screens (windows)"
    assert {"x": -1920, "y": 0, "width": 1920, "height": 1080, "scale": 1.0} in (
        outcome.actual["screens"]
    )
    below = gui_swarm(make_swarm, [(-1269, 481), (-1269, 1200)])  # under the left monitor
    outcome = await gui_outcome(below, {})
    assert outcome.status == "failed"
    assert outcome.detail == (
        "off every screen: Gui-2 (-1269, 1200) (screens: 3840x2160+0+0 @1.5x, "
        "1920x1080-1920+0, 2560x1440+0-1440 @1.25x)"
    )


async def test_a_platform_without_a_backend_is_listed_unverified(
    make_swarm: Callable[..., Swarm], monkeypatch: pytest.MonkeyPatch
) -> None:
    from swarmbus.agents import desktop

    monkeypatch.setattr(desktop, "PLATFORM", "cygwin")
    outcome = await gui_outcome(gui_swarm(make_swarm, [(-1269, 481)]), {"DISPLAY": ":0"})
    assert outcome.status == "skipped"
    assert outcome.detail == (
        "unverified: no desktop backend for platform 'cygwin' (X11, Windows and macOS have one)"
    )
    assert outcome.actual == {"verified": False, "backend": None}


async def test_a_missing_backend_library_names_the_install_command(
    make_swarm: Callable[..., Swarm], monkeypatch: pytest.MonkeyPatch
) -> None:
    from swarmbus.agents import desktop

    monkeypatch.setattr(desktop, "PLATFORM", "darwin")  # pyobjc is not installed on Linux
    outcome = await gui_outcome(gui_swarm(make_swarm, [(-1269, 481)]), {})
    assert outcome.status == "skipped"
    assert outcome.detail == (
        "unverified: the macos desktop backend needs AppKit, Quartz: "
        "pip install 'pyobjc-framework-Cocoa>=9' 'pyobjc-framework-Quartz>=9'"
    )
