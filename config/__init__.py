"""Example configuration shipped with swarmbus (`swarmbus init` starts from it)."""

from __future__ import annotations

from importlib import resources
from importlib.abc import Traversable

EXAMPLE_NAME = "swarmbus.example.toml"


def example_config() -> Traversable:
    """The shipped example: eight agents on a two-monitor desktop."""
    return resources.files(__name__) / EXAMPLE_NAME
