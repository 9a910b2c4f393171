"""The screens the fail-safe paused, as a face reads them (and resume clears them)."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest

from swarmbus.bus.operations import Operations, paused_screens
from swarmbus.bus.transports.screen_state import PauseMarker


@pytest.fixture(autouse=True)
def _own_state_dir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Markers live in the per-user temp folder: keep this test's away from real screens."""
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))


async def test_paused_screens_lists_each_pause_until_resumed() -> None:
    assert paused_screens() == []
    PauseMarker("x11-7").set("mouse in the top-left corner")
    paused = paused_screens()
    assert [(p.screen, p.reason) for p in paused] == [("x11-7", "mouse in the top-left corner")]
    resumed = await Operations(None).resume()
    assert [p.screen for p in resumed.cleared] == ["x11-7"]
    assert paused_screens() == []
