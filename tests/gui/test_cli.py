"""`swarmbus agents calibrate | check | test` against the real screen and window."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from swarmbus.cli import app
from tests.gui.conftest import move_pointer, write_gui_swarm
from tests.gui.xserver import Receiver


def invoke(config: Path, *args: str) -> Result:
    return CliRunner().invoke(app, ["-c", str(config), *args])


def test_check_reports_every_gui_agent_and_fails_on_a_bad_one(
    tmp_path: Path, receiver: Receiver
) -> None:
    x, y = receiver.point
    config = write_gui_swarm(
        tmp_path,
        {
            "Agent-1": {"x": x, "y": y, "window_title": "receiver A"},
            "Agent-2": {"x": 2500, "y": 10},
            "Agent-3": {"x": x, "y": y, "window_title": "Cursor"},
        },
    )
    result = invoke(config, "agents", "check")
    lines = result.output.splitlines()
    assert result.exit_code == 1
    assert lines[0].startswith("ok   Agent-1")
    assert "valid" in lines[0]
    assert "window 'swarmbus receiver A'" in lines[0]
    assert lines[1].startswith("FAIL Agent-2")
    assert "off_screen" in lines[1]
    assert lines[2].startswith("FAIL Agent-3")
    assert "title_mismatch" in lines[2]
    as_json = json.loads(invoke(config, "agents", "check", "--json").stdout)
    assert [(line["agent"], line["ok"]) for line in as_json] == [
        ("Agent-1", True),
        ("Agent-2", False),
        ("Agent-3", False),
    ]
    good = write_gui_swarm(tmp_path, {"Agent-1": {"x": x, "y": y}})
    assert invoke(good, "agents", "check").exit_code == 0


def test_probe_arrives_through_the_transport(tmp_path: Path, receiver: Receiver) -> None:
    x, y = receiver.point
    config = write_gui_swarm(tmp_path, {"Agent-1": {"x": x, "y": y}})
    result = invoke(config, "agents", "test", "Agent-1", "--text", "probe ✓\nsecond line")
    assert result.exit_code == 0, result.output
    assert "delivered a probe to Agent-1 in" in result.output
    [probe] = receiver.submissions()
    assert probe.startswith("[swarmbus] from swarmbus · priority normal · tags probe · id ")
    assert probe.endswith("\n\nprobe ✓\nsecond line")


def test_probe_reports_a_failure(tmp_path: Path, receiver: Receiver) -> None:
    config = write_gui_swarm(tmp_path, {"Agent-1": {"x": -5, "y": 10}})
    result = invoke(config, "agents", "test", "Agent-1")
    assert result.exit_code == 1
    assert "error: probe to Agent-1 failed: point (-5, 10) of Agent-1 is on no screen" in (
        result.output
    )
    assert receiver.submissions() == []


def test_calibrate_writes_the_point_and_title(
    tmp_path: Path, receiver: Receiver, display: str
) -> None:
    config = write_gui_swarm(tmp_path, {"Agent-1": {"x": 1, "y": 1}, "Agent-2": {"x": 5, "y": 5}})
    config.write_text("# my swarm\n" + config.read_text())
    move_pointer(display, 300, 200)
    result = invoke(config, "agents", "calibrate", "Agent-1", "--seconds", "0", "--yes")
    assert result.exit_code == 0, result.output
    assert "Agent-1: point (300, 200), screen 1920x1080+0+0" in result.output
    assert "window there: 'swarmbus receiver A'" in result.output
    written = tomllib.loads(config.read_text())
    agent = written["agents"][0]
    assert (agent["x"], agent["y"], agent["window_title"]) == (300, 200, "swarmbus receiver A")
    assert written["agents"][1]["x"] == 5
    assert config.read_text().startswith("# my swarm")
    assert invoke(config, "agents", "check").exit_code == 0
    move_pointer(display, 1500, 800)  # the bare desktop: no window, so no title is written
    result = invoke(config, "agents", "calibrate", "Agent-2", "--seconds", "0", "--yes")
    assert result.exit_code == 0, result.output
    assert "window_title" not in tomllib.loads(config.read_text())["agents"][1]


def test_calibrate_asks_before_writing(tmp_path: Path, display: str) -> None:
    config = write_gui_swarm(tmp_path, {"Agent-1": {"x": 1, "y": 1}})
    before = config.read_text()
    result = CliRunner().invoke(
        app, ["-c", str(config), "agents", "calibrate", "Agent-1", "--seconds", "0"], input="n\n"
    )
    assert result.exit_code == 1
    assert config.read_text() == before


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["agents", "calibrate", "Agent-7", "--seconds", "0"], "unknown agent 'Agent-7'"),
        (["agents", "test", "Agent-7"], "unknown agent 'Agent-7'"),
        (["agents", "test", "Agent-1", "--text", "x" * 70_000], "the limit is 65,536 bytes"),
        (["agents", "test", "Agent-1", "--text", " "], "message is empty"),
        (["agents", "check"], "no display: DISPLAY is not set"),
    ],
)
def test_commands_fail_in_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, args: list[str], expected: str
) -> None:
    monkeypatch.delenv("DISPLAY", raising=False)
    config = write_gui_swarm(tmp_path, {"Agent-1": {"x": 1, "y": 1}})
    result = invoke(config, *args)
    assert result.exit_code in (1, 2)
    assert result.output.strip().splitlines() == [f"error: {result.output.strip()[7:]}"]
    assert expected in result.output


def test_resume_when_nothing_is_paused(tmp_path: Path, display: str) -> None:
    config = write_gui_swarm(tmp_path, {"Agent-1": {"x": 1, "y": 1}})
    result = invoke(config, "resume")
    assert result.exit_code == 0
    assert "GUI delivery was not paused" in result.output


@pytest.mark.parametrize(
    ("platform", "expected"),
    [
        (
            "darwin",
            "error: the macos desktop backend needs AppKit, Quartz: "
            "pip install 'pyobjc-framework-Cocoa>=9' 'pyobjc-framework-Quartz>=9'",
        ),
        ("cygwin", "error: no desktop backend for platform 'cygwin' (X11, Windows and macOS"),
    ],
)
def test_a_desktop_that_cannot_be_checked_is_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, platform: str, expected: str
) -> None:
    from swarmbus.agents import desktop

    monkeypatch.setattr(desktop, "PLATFORM", platform)
    config = write_gui_swarm(tmp_path, {"Agent-1": {"x": -1269, "y": 481}})
    for command in (["agents", "check"], ["agents", "calibrate", "Agent-1", "--seconds", "0"]):
        result = invoke(config, *command)
        assert result.exit_code == 1
        assert len(result.output.strip().splitlines()) == 1
        assert result.output.startswith(expected)
