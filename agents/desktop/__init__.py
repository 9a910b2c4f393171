"""The desktop GUI delivery clicks on: one interface (`base.Desktop`), one backend per platform.

The backend is picked here and nowhere else, from `sys.platform`: X11
(python-xlib), Windows (user32 through ctypes) or macOS (AppKit and Quartz
through pyobjc). Each backend module imports its platform's libraries only
when it is opened, so importing this package, `targeting` or the CLI needs no
display and loads no ctypes.windll or pyobjc.
"""

from __future__ import annotations

import gc
import importlib
import importlib.util
import os
import sys
import warnings
from collections.abc import Mapping
from typing import Literal

from swarmbus import errors
from swarmbus.agents.desktop.base import BackendMissing, Desktop, Rect, screen_at

Backend = Literal["x11", "windows", "macos"]
PLATFORM = sys.platform  # read once; tests stand in other platforms here
X11_PLATFORMS = ("linux", "freebsd", "openbsd", "netbsd", "sunos")
REQUIREMENTS: dict[Backend, tuple[tuple[str, ...], str]] = {  # modules, the command that adds them
    "x11": (("Xlib",), "pip install 'python-xlib>=0.33'"),
    "windows": ((), ""),  # ctypes and user32 come with Python and Windows
    "macos": (
        ("AppKit", "Quartz"),
        "pip install 'pyobjc-framework-Cocoa>=9' 'pyobjc-framework-Quartz>=9'",
    ),
}
BACKEND_MODULES: dict[Backend, str] = {
    "x11": "swarmbus.agents.desktop.x11",
    "windows": "swarmbus.agents.desktop.windows",
    "macos": "swarmbus.agents.desktop.macos",
}


def backend_name(platform: str | None = None) -> Backend | None:
    """Which backend serves `platform` (default: this one; None: none does, e.g. cygwin)."""
    platform = platform or PLATFORM
    if platform == "win32":
        return "windows"
    if platform == "darwin":
        return "macos"
    return "x11" if platform.startswith(X11_PLATFORMS) else None


def is_x11(platform: str | None = None) -> bool:
    return backend_name(platform) == "x11"


def has_display(env: Mapping[str, str] = os.environ) -> bool:
    """Whether there is a display to ask (always on macOS and Windows; $DISPLAY on X11)."""
    return not is_x11() or bool(env.get("DISPLAY"))


def missing_requirement(backend: Backend) -> str | None:
    """One line naming the missing library and the exact install command, if one is missing."""
    modules, command = REQUIREMENTS[backend]
    absent = [name for name in modules if importlib.util.find_spec(name) is None]
    if not absent:
        return None
    return f"the {backend} desktop backend needs {', '.join(absent)}: {command}"


def display_problem(env: Mapping[str, str] = os.environ) -> str | None:
    """Why GUI delivery cannot use this desktop now (None when it can)."""
    backend = backend_name()
    if backend is None:
        return f"no desktop backend for platform {PLATFORM!r} (X11, Windows and macOS have one)"
    if (missing := missing_requirement(backend)) is not None:
        return missing
    if backend != "x11":
        return None
    from swarmbus.agents.desktop import x11

    return x11.display_problem(env)


def open_desktop(env: Mapping[str, str] = os.environ) -> Desktop:
    """This platform's backend, connected; `BackendMissing` or `BusError` say why not."""
    backend = backend_name()
    if backend is None or (backend == "x11" and not env.get("DISPLAY")):
        raise BackendMissing(display_problem(env) or "no display")
    if (missing := missing_requirement(backend)) is not None:
        raise BackendMissing(missing)
    module = importlib.import_module(BACKEND_MODULES[backend])
    if backend != "x11":
        return module.open_desktop()  # type: ignore[no-any-return]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        try:
            return module.X11Desktop(env["DISPLAY"])  # type: ignore[no-any-return]
        except Exception as exc:  # Xlib raises several unrelated types for an unreachable display
            error = errors.BusError(f"cannot open display {env['DISPLAY']!r}: {exc}")
            gc.collect()  # Xlib leaves the failed sockets unclosed; finalise them quietly here
    raise error


def screens(env: Mapping[str, str] = os.environ) -> list[Rect] | None:
    """The desktop's monitors, or None when there is no display at all (X11 without $DISPLAY)."""
    if not has_display(env):
        return None
    desktop = open_desktop(env)
    try:
        return desktop.screens()
    finally:
        desktop.close()


def on_any(point: tuple[int, int], found: list[Rect]) -> bool:
    """Whether `point` lies on one of the screens."""
    return screen_at(*point, found) is not None
