"""Message bodies and configs shared by the GUI tests and bench/gui_delivery.py."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import tomlkit


def two_kb() -> str:
    lines = []
    for n in range(60):
        indent = "    " * (n % 4)
        lines.append(f"{indent}line {n}: the quick brown fox jumps")
        if n % 9 == 4:
            lines += ["", ""]
    return "\n".join(lines)[:2048]


def twenty_kb() -> str:
    block = "".join(f"{n:05d} {'word ' * 12}\n" + ("\n" if n % 10 == 0 else "") for n in range(320))
    return block[: 20 * 1024]


def write_gui_swarm(folder: Path, agents: dict[str, dict[str, Any]], **bus: Any) -> Path:
    """A swarmbus.toml whose agents are GUI agents with the given settings."""
    document = {
        "bus": {"backoff_base_seconds": 0.01, "backoff_max_seconds": 0.05, **bus},
        "agents": [
            {"name": name, "transport": "gui", **settings} for name, settings in agents.items()
        ],
    }
    path = folder / "swarmbus.toml"
    path.write_text(tomlkit.dumps(document), encoding="utf-8")
    return path
