"""How long `swarmbus send` takes as a whole process, next to `python -c pass`.

Agents call the CLI for every message, so its start-up is part of every send.
Each command runs --runs times; the table shows the median and the best.
swarmbus's modules are byte-compiled first, as `pip install` does for a
regular install (an editable install under PYTHONDONTWRITEBYTECODE=1, as on
this machine, would otherwise compile them on every run: ~150 ms here).

Usage: python bench/cli_start.py [--runs 15]
"""

from __future__ import annotations

import argparse
import compileall
import importlib.util
import os
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from common import median, print_table, temp_swarm


def wall_ms(command: list[str], env: dict[str, str], runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command, env=env, check=True, capture_output=True)
        times.append((time.perf_counter() - start) * 1000)
    return times


# What `swarmbus send` cannot go below while it uses these libraries: import
# them, build one pydantic model, run one event loop (and exit the same way).
LIBRARIES_ALONE = """
import os, sys, typer, aiosqlite, anyio, tomllib
from pydantic import BaseModel
class Probe(BaseModel):
    x: int
anyio.run(anyio.sleep, 0)
sys.stdout.flush()
os._exit(0)
"""

PACKAGES = ("swarmbus", "swarmbus.bus", "swarmbus.agents", "swarmbus.storage", "swarmbus.config")


def byte_compile() -> None:
    """Write the .pyc files a regular install would have."""
    for package in PACKAGES:
        spec = importlib.util.find_spec(package)
        for folder in (spec.submodule_search_locations or []) if spec else []:
            compileall.compile_dir(folder, quiet=1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    byte_compile()
    swarm = temp_swarm(agents=8, transport="inbox")
    env = {k: v for k, v in os.environ.items() if not k.startswith("SWARMBUS_")}
    env.pop("DISPLAY", None)
    env.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")  # as the console script sets it
    env["SWARMBUS_CONFIG"] = str(swarm.path)
    swarmbus = str(Path(sys.executable).with_name("swarmbus"))
    commands = {
        "python -c pass": [sys.executable, "-c", "pass"],
        "typer+pydantic+anyio+aiosqlite alone": [sys.executable, "-c", LIBRARIES_ALONE],
        "swarmbus --help": [swarmbus, "--help"],
        "swarmbus send Agent-2 'hello'": [swarmbus, "send", "Agent-2", "hello"],
    }
    wall_ms(commands["swarmbus send Agent-2 'hello'"], env, 2)  # create the database first
    results = {label: wall_ms(command, env, args.runs) for label, command in commands.items()}
    base = median(results["python -c pass"])
    print_table(
        f"process wall time, {args.runs} runs each (no DISPLAY)",
        ["command", "median ms", "best ms", "over python -c pass"],
        [
            [label, f"{median(t):.0f}", f"{min(t):.0f}", f"+{median(t) - base:.0f} ms"]
            for label, t in results.items()
        ],
    )
    overhead = median(results["swarmbus send Agent-2 'hello'"]) - base
    print(f"\ntarget: swarmbus send <= +200 ms over python -c pass: +{overhead:.0f} ms")


if __name__ == "__main__":
    main()
