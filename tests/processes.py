"""Real processes the tests start: swarmbus commands and the integration workers."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from swarmbus.agents.config import Swarm

REPO = Path(__file__).parents[1]


def spawn(*args: str) -> subprocess.Popen[str]:
    """`python ARGS` from the repository root, stdout and stderr captured as text."""
    return subprocess.Popen(
        [sys.executable, *args],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def swarmbus(*args: str) -> subprocess.Popen[str]:
    """`swarmbus ARGS` in its own process."""
    return spawn("-m", "swarmbus", *args)


def dispatcher(swarm: Swarm, *extra: str) -> subprocess.Popen[str]:
    """`swarmbus run` for `swarm` in its own process."""
    return swarmbus("--config", str(swarm.path), "run", *extra)


def worker(*args: str) -> subprocess.Popen[str]:
    """A process of tests.integration.workers (producers, writers)."""
    return spawn("-m", "tests.integration.workers", *args)
