"""Each running dispatcher writes a `core_systems_status` row of its own.

Two dispatchers on one host used to share the row `messaging@HOST`, so
stopping either marked messaging stopped while the other still delivered. A
dispatcher now takes the first free name of `messaging@HOST`,
`messaging@HOST#2`, `messaging@HOST#3`…, where free means no row, a stopped
row, or a stale one (its dispatcher died: the monitor has flagged it). Names
are reused, so rows do not pile up over restarts, and a restarted dispatcher
carries on its row's error history. The name is taken in one transaction that
writes a `starting` heartbeat, so two dispatchers starting at once never take
the same one.
"""

from __future__ import annotations

import re

from swarmbus import errors
from swarmbus.agents.registry import this_host
from swarmbus.bus.api import Bus
from swarmbus.model import timefmt
from swarmbus.model.systems import SystemStatus

MAX_PER_HOST = 64  # dispatchers running at once on one host under the default names
NAME_RULE = "1-64 letters, digits, '_', '.', ':', '@', '#' or '-'"
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:@#-]{0,63}$")


def check_name(name: str) -> str:
    """Accept a dispatcher name given on the command line (`--name`)."""
    if not _NAME.fullmatch(name):
        raise errors.UsageError(f"--name {name!r} is not allowed; names are {NAME_RULE}")
    return name


def candidates(host: str) -> list[str]:
    """The default names, in the order they are taken."""
    base = f"messaging@{host}"
    return [base, *(f"{base}#{n}" for n in range(2, MAX_PER_HOST + 1))]


async def dispatcher_name(bus: Bus, wanted: str | None = None) -> str:
    """Take `wanted` (refused while its dispatcher runs), or the first free default name."""
    host = this_host()
    interval = bus.settings.heartbeat_seconds

    def starting(system_id: str) -> SystemStatus:
        now = timefmt.utcnow()
        return SystemStatus(
            system_id=system_id,
            system_name="messaging",
            system_status="active",
            last_health_check=now,
            host=host,
            heartbeat_interval_seconds=interval,
            status_detail="starting",
            started_at=now,
        )

    taken = await bus.db.systems.claim([wanted] if wanted else candidates(host), starting)
    if taken is not None:
        return taken
    if wanted is not None:
        raise errors.UsageError(
            f"--name {wanted!r} belongs to a dispatcher that is running (its heartbeat is "
            f"fresh); choose another name, or stop that one first"
        )
    raise errors.BusError(f"{MAX_PER_HOST} dispatchers already run on {host}; stop one first")
