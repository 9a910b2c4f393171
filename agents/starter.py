"""The starter configuration `swarmbus init` writes, derived from the shipped example."""

from __future__ import annotations

from typing import Literal

import tomlkit

from swarmbus.config import example_config

GUI_ONLY_KEYS = ("x", "y", "window_title")


def starter_config(transport: Literal["gui", "inbox"]) -> str:
    """The example config, with every agent switched to `transport`."""
    document = tomlkit.parse(example_config().read_text(encoding="utf-8"))
    if transport == "inbox":
        for agent in document["agents"]:  # type: ignore[union-attr]
            agent["transport"] = "inbox"
            for key in GUI_ONLY_KEYS:
                if key in agent:
                    del agent[key]
    return tomlkit.dumps(document)
