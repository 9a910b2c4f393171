"""Importing the desktop layer loads no platform library: `swarmbus send` stays fast and
nothing needs a display (or Windows, or macOS) to import."""

from __future__ import annotations

import subprocess
import sys

LOADED_PLATFORM_MODULES = """
import sys
import swarmbus.agents.desktop, swarmbus.agents.targeting, swarmbus.agents.calibration
import swarmbus.bus.transports.gui, swarmbus.bus.doctor_swarm
heavy = ("Xlib", "pyautogui", "pyperclip", "mss", "AppKit", "Quartz", "Foundation", "objc")
ours = ("x11", "windows", "win32", "macos")
print(sorted(
    name for name in sys.modules
    if name.split(".")[0] in heavy or name.rsplit(".", 1)[-1] in ours
))
"""


def test_no_backend_is_imported_until_one_is_opened() -> None:
    done = subprocess.run(
        [sys.executable, "-c", LOADED_PLATFORM_MODULES], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
