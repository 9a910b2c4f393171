"""`import swarmbus` is cheap and display-free; every public name resolves to where it lives."""

from __future__ import annotations

import subprocess
import sys

import pytest

import swarmbus
from swarmbus import errors
from swarmbus.bus import api, opening
from swarmbus.model import messages

LOADED_BY_IMPORT = """
import sys
import swarmbus
heavy = ("pydantic", "aiosqlite", "asyncpg", "typer", "discord", "pyautogui", "Xlib")
print(sorted(name for name in heavy if name in sys.modules))
print(sorted(name for name in sys.modules if name.startswith("swarmbus.")))
"""


def test_import_swarmbus_loads_no_library_and_no_submodule() -> None:
    done = subprocess.run(
        [sys.executable, "-c", LOADED_BY_IMPORT], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["[]", "[]"]


def test_every_public_name_resolves() -> None:
    for name in swarmbus.__all__:
        assert getattr(swarmbus, name) is not None, name
    assert set(swarmbus.__all__) <= set(dir(swarmbus))


def test_public_names_are_the_objects_of_their_home_modules() -> None:
    assert (swarmbus.Bus, swarmbus.Broadcast) == (api.Bus, api.Broadcast)
    assert swarmbus.open_bus is opening.open_bus
    assert swarmbus.Message is messages.Message
    assert swarmbus.UnknownAgent is errors.UnknownAgent
    assert issubclass(swarmbus.DatabaseMissing, swarmbus.BusError)


def test_every_public_name_has_a_home_and_nothing_else_is_lazy() -> None:
    assert sorted(swarmbus._EXPORTS) == sorted(set(swarmbus.__all__) - {"__version__"})


def test_an_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="Nope"):
        swarmbus.Nope  # type: ignore[attr-defined]  # noqa: B018
