"""The layers: every import of swarmbus's own code points to its own layer or lower.

Lowest first:

1. ground: the package-root modules (`errors`, `durations`, `fsutil`, `lifecycle`,
   `printable`), the domain model `swarmbus.model`, and `swarmbus.config` (data);
2. storage: `swarmbus.storage`;
3. agents: `swarmbus.agents` (never the bus);
4. bus: `swarmbus.bus`; its `transports` are stricter: ground, agents and other
   transports only, never storage and never the rest of the bus;
5. faces: `swarmbus.cli` (with `swarmbus.__main__`, its `python -m` entry),
   `swarmbus.discord_bot`, `swarmbus.guard` (the commit hook's small entry),
   `swarmbus.mcp`, `swarmbus.web`: the bus,
   agents and ground, never storage, never another face, except that the CLI's
   `discord run|sync` commands start the bot, `web` starts the dashboard and `mcp`
   the MCP server or prints its client snippet (inside those functions).

Imports inside functions and under TYPE_CHECKING count too. The package face
`swarmbus/__init__.py` re-exports the public API lazily and is the one module
exempt as a source; `from swarmbus import Bus` counts as importing
`swarmbus.bus.api`. The model imports nothing but the standard library,
pydantic and `swarmbus.errors`.
"""

from __future__ import annotations

import ast
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path

import pytest

import swarmbus

REPO = Path(__file__).parents[2]
EXEMPT = {"swarmbus"}  # the lazy package face
FACES = {"cli", "__main__", "discord_bot", "guard", "mcp", "web"}
ALLOWED = {
    "ground": {"ground"},
    "storage": {"ground", "storage"},
    "agents": {"ground", "storage", "agents"},
    "bus": {"ground", "storage", "agents", "bus", "transports"},
    "transports": {"ground", "agents", "transports"},
    "face": {"ground", "agents", "bus", "transports", "face"},
}
# A face starting another face: (module, function it must sit in) -> the face it may import.
FACE_STARTS = {
    ("swarmbus.cli.discord", "run_bot"): "swarmbus.discord_bot",
    ("swarmbus.cli.discord", "sync"): "swarmbus.discord_bot",
    ("swarmbus.cli.web", "_serve"): "swarmbus.web",
    ("swarmbus.cli.web", "_mcp_mounts"): "swarmbus.mcp",
    ("swarmbus.cli.mcp", "_serve"): "swarmbus.mcp",
    ("swarmbus.cli.mcp", "_snippet"): "swarmbus.mcp",
}
MODEL_MAY_IMPORT = {"pydantic", "swarmbus.errors", "swarmbus.model"}


@dataclass(frozen=True)
class Import:
    """One import statement's target, where it stands, and the function around it."""

    line: int
    target: str
    function: str | None


def modules() -> dict[str, Path]:
    """Every module of the distribution, by import name (from pyproject's package-dir)."""
    setuptools = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]
    found: dict[Path, str] = {}
    for package, folder in sorted(setuptools["package-dir"].items()):
        for path in (REPO / folder).rglob("*.py"):
            parts = path.relative_to(REPO / folder).with_suffix("").parts
            name = ".".join([package, *parts]).removesuffix(".__init__")
            found.setdefault(path.resolve(), name)
    return {name: path for path, name in found.items()}


KNOWN = modules()


def layer(module: str) -> str | None:
    """The layer of one of our modules; None for anything outside swarmbus."""
    parts = module.split(".")
    if parts[0] != "swarmbus":
        return None
    top = parts[1] if len(parts) > 1 else ""
    if top in FACES:
        return "face"
    if top == "bus":
        return "transports" if parts[2:3] == ["transports"] else "bus"
    return top if top in ("storage", "agents") else "ground"


def face_of(module: str) -> str:
    top = module.split(".")[1]
    return "cli" if top == "__main__" else top


def resolve(module: str, node: ast.ImportFrom | ast.Import, alias: ast.alias) -> str:
    """The module an import really reaches (a relative one resolved, a lazy name followed)."""
    if isinstance(node, ast.Import):
        return alias.name
    base = node.module or ""
    if node.level:
        package = module.split(".")[: -node.level or None]
        if KNOWN.get(module, Path()).name == "__init__.py":
            package = module.split(".")[: len(module.split(".")) - node.level + 1]
        base = ".".join([*package, *([base] if base else [])])
    candidate = f"{base}.{alias.name}"
    if candidate in KNOWN:
        return candidate
    if base == "swarmbus" and alias.name in swarmbus._EXPORTS:
        return swarmbus._EXPORTS[alias.name]
    return base


def imports(module: str, source: str) -> list[Import]:
    """Every import in `source`, at any depth, with the function it sits in."""
    found: list[Import] = []

    def visit(node: ast.AST, function: str | None) -> None:
        for child in ast.iter_child_nodes(node):
            inner = (
                child.name if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef) else None
            )
            if isinstance(child, ast.Import | ast.ImportFrom):
                for alias in child.names:
                    found.append(Import(child.lineno, resolve(module, child, alias), function))
            visit(child, inner or function)

    visit(ast.parse(source), None)
    return found


def offence(module: str, found: Import) -> str | None:
    """Why this import breaks the layering, or None when it is allowed."""
    source, target = layer(module), layer(found.target)
    if target is None:
        if module.startswith("swarmbus.model") and found.target.split(".")[0] != "pydantic":
            top = found.target.split(".")[0]
            return None if top in sys.stdlib_module_names else "the model imports a library"
        return None
    if module.startswith("swarmbus.model") and not any(
        found.target == allowed or found.target.startswith(allowed + ".")
        for allowed in MODEL_MAY_IMPORT
    ):
        return "the model imports more than the errors"
    if target not in ALLOWED[source or "ground"]:
        return f"{source} imports {target}"
    if source == target == "face" and face_of(module) != face_of(found.target):
        started = FACE_STARTS.get((module, found.function))
        if started is not None and found.target.startswith(started):
            return None
        return f"the {face_of(module)} face imports the {face_of(found.target)} face"
    return None


def offences(module: str, source: str, path: str) -> list[str]:
    return [
        f"{path}:{found.line} {module} -> {found.target} ({why})"
        for found in imports(module, source)
        if (why := offence(module, found)) is not None
    ]


def test_every_import_points_to_its_own_layer_or_lower() -> None:
    found = [
        line
        for module, path in sorted(KNOWN.items())
        if module not in EXEMPT
        for line in offences(module, path.read_text(encoding="utf-8"), str(path.relative_to(REPO)))
    ]
    assert not found, "imports against the layering:\n" + "\n".join(found)


def test_the_walk_sees_every_layer() -> None:
    layers = {layer(module) for module in KNOWN}
    assert layers == {"ground", "storage", "agents", "bus", "transports", "face"}
    assert {"swarmbus.model.messages", "swarmbus.cli", "swarmbus.discord_bot.bot"} <= set(KNOWN)


def test_faces_never_reach_the_storage_under_a_bus() -> None:
    """`bus.db` is the bus's own access to storage; a face calls the bus's methods."""
    found = []
    for module, path in sorted(KNOWN.items()):
        if layer(module) != "face":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Attribute) and node.attr == "db" and _names_a_bus(node.value):
                found.append(f"{path.relative_to(REPO)}:{node.lineno} {ast.unparse(node)}")
    assert not found, "faces reaching past the bus:\n" + "\n".join(found)


def _names_a_bus(node: ast.expr) -> bool:
    return (isinstance(node, ast.Name) and node.id == "bus") or (
        isinstance(node, ast.Attribute) and node.attr == "bus"
    )


# Each rule, planted in a module of the layer it binds: the checker must flag it.
PLANTED = [
    ("swarmbus.fsutil", "from swarmbus.storage import ids", "ground imports storage"),
    ("swarmbus.model.render", "from swarmbus.bus import render", "the model imports more than"),
    ("swarmbus.model.render", "import sqlite3\nimport aiosqlite", "the model imports a library"),
    ("swarmbus.model.ids", "from swarmbus import fsutil", "the model imports more than"),
    ("swarmbus.storage.claims", "from swarmbus.agents import registry", "storage imports agents"),
    ("swarmbus.storage.claims", "from swarmbus import Bus", "storage imports bus"),
    ("swarmbus.agents.calibration", "import swarmbus.bus.transports.gui_desk", "agents imports"),
    ("swarmbus.agents.registry", "from swarmbus.bus.api import Bus", "agents imports bus"),
    ("swarmbus.bus.transports.gui", "from swarmbus.storage import ids", "transports imports stor"),
    ("swarmbus.bus.transports.base", "from swarmbus.bus import api", "transports imports bus"),
    ("swarmbus.bus.api", "from swarmbus.cli import common", "bus imports face"),
    ("swarmbus.cli.reading", "from swarmbus.storage.database import Database", "face imports"),
    (
        "swarmbus.discord_bot.steering",
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from swarmbus.storage import x",
        "face imports storage",
    ),
    ("swarmbus.cli.doctor", "def f():\n    from swarmbus.discord_bot import x", "the cli face"),
    ("swarmbus.discord_bot.bot", "from swarmbus.cli import common", "the discord_bot face"),
    ("swarmbus.cli.discord", "from swarmbus.discord_bot import runner", "the cli face imports"),
    ("swarmbus.cli.web", "def web():\n    from swarmbus.discord_bot import x", "the cli face"),
    ("swarmbus.web.app", "from swarmbus.storage.database import Database", "face imports storage"),
    ("swarmbus.web.app", "from swarmbus.cli import common", "the web face imports the cli"),
    ("swarmbus.bus.status", "from ..cli import common", "bus imports face"),
]


@pytest.mark.parametrize(("module", "plant", "why"), PLANTED)
def test_a_planted_violation_is_caught(module: str, plant: str, why: str) -> None:
    found = offences(module, plant, "planted.py")
    assert found, f"{plant!r} in {module} was not caught"
    assert why in found[0]


@pytest.mark.parametrize(
    ("module", "allowed"),
    [
        ("swarmbus.cli.discord", "def run_bot():\n    from swarmbus.discord_bot import runner"),
        ("swarmbus.cli.web", "def _serve():\n    from swarmbus.web import server"),
        ("swarmbus.cli.messaging", "from swarmbus.bus.api import Bus\nfrom swarmbus import errors"),
        ("swarmbus.discord_bot.bot", "from swarmbus.bus.transports import base"),
        ("swarmbus.bus.transports.gui", "from swarmbus.model import ids, render"),
        ("swarmbus.model.messages", "from pydantic import BaseModel\nimport json"),
        ("swarmbus.__main__", "from swarmbus.cli import main"),
    ],
)
def test_what_the_layers_allow_is_not_flagged(module: str, allowed: str) -> None:
    assert offences(module, allowed, "allowed.py") == []
