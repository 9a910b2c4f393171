"""A dispatcher process for the GUI tests: `python -m tests.gui.workers CONFIG GO_FILE [GRACE]`.

It opens the swarm, says it is ready (CONFIG + '.ready'), waits for GO_FILE so
that several workers start delivering at the same moment, delivers everything
deliverable, and prints its counters as one JSON line. With GRACE (seconds) it
runs until SIGTERM instead, giving deliveries in flight that long to finish.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import anyio
import anyio.to_thread

from swarmbus.agents import config as swarm_config
from swarmbus.bus import transports
from swarmbus.bus.api import Bus
from swarmbus.bus.dispatcher import Dispatcher, DispatcherOptions

GO_TIMEOUT = 60.0  # seconds to wait for the test's start signal


def ready_then_wait(config: str, go: Path) -> None:
    Path(config + ".ready").touch()
    deadline = time.monotonic() + GO_TIMEOUT
    while not go.exists() and time.monotonic() < deadline:
        time.sleep(0.002)


async def dispatch(config: str, go: Path, grace: float | None) -> None:
    swarm = swarm_config.load(config)
    options = DispatcherOptions(name=config)
    if grace is not None:
        options = DispatcherOptions(name=config, stop_grace=grace, handle_signals=True)
    async with await Bus.open(swarm) as bus:
        built = transports.build(swarm)
        await anyio.to_thread.run_sync(ready_then_wait, config, go)
        try:
            stats = await Dispatcher(bus, built, options).run(once=grace is None)
        finally:
            for transport in built.values():
                await transport.aclose()
    print(json.dumps(stats.as_metrics()))


if __name__ == "__main__":
    grace = float(sys.argv[3]) if len(sys.argv) > 3 else None
    anyio.run(dispatch, sys.argv[1], Path(sys.argv[2]), grace)
