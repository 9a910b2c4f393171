"""Which agents' lanes a dispatcher claims when other dispatchers reach them too.

Two dispatchers that can both deliver to an agent (two `swarmbus run` on one desktop,
or inbox agents of no host with a dispatcher on each machine) both wake on every send
and race to claim it: on PostgreSQL, with one sender, two processes delivered 640
messages a second where one delivered about 1,000, each claiming every message and one
of them taking nothing (1,000 with the split). So each agent a dispatcher shares goes
to one of the live dispatchers that reach it, the one rendezvous hashing of
(dispatcher, agent) picks; their heartbeat rows say which agents each reaches, and a
send to another's agent does not even wake this one (`Announcements.left_to_others`).
The others claim that agent's lanes only in a sweep every `SWEEP` seconds, which takes
whatever a peer left behind: one that stopped or died before its heartbeat went stale,
or one whose view of the peers is not yet this one's.

The split only decides who looks first. Every claim still takes a lane's ready head
under a lease, so dispatchers that disagree about it deliver nothing twice and keep
each lane's order.
"""

from __future__ import annotations

import os
import time
import zlib
from collections.abc import Iterable

from swarmbus.agents.registry import this_host
from swarmbus.model.systems import SystemStatus
from swarmbus.storage.maintenance import live_dispatchers

SWEEP = 1.0  # seconds between looks at the lanes left to peers
PEERS_EVERY = 1.0  # seconds between reads of the peers' heartbeat rows
REACHES = "reaches"  # the heartbeat's configuration key: the agents a dispatcher reaches


def weight(dispatcher: str, agent: str) -> tuple[int, str]:
    """The dispatcher's bid for the agent: the same in every process (`hash()` of a str
    is not), ties broken by name."""
    return zlib.crc32(f"{dispatcher}\x00{agent}".encode()), dispatcher


def killed(system: SystemStatus) -> bool:
    """Whether a dispatcher of this host is gone although its heartbeat still looks fresh
    (killed, or crashed): a `swarmbus run` started again at once would otherwise leave
    its agents to the sweep until that heartbeat went stale (three heartbeats). POSIX only:
    on Windows `os.kill` cannot ask without killing."""
    pid = (system.performance_metrics or {}).get("pid")
    if os.name != "posix" or system.host != this_host() or type(pid) is not int or pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except OSError:  # alive, another user's
        return False
    return False


class LaneShares:
    """The live peers of one dispatcher, the agents each reaches, and the sweep's clock."""

    def __init__(self, sweep: float = SWEEP) -> None:
        self.sweep = sweep
        self._me = ""
        self._peers: dict[str, frozenset[str]] = {}
        self._leaves_some = False  # an agent this dispatcher reaches is a peer's
        self._next_sweep = 0.0  # time.monotonic()

    def refresh(self, me: str, systems: list[SystemStatus], reaches: Iterable[str]) -> bool:
        """Take the peers from the heartbeat rows: the other dispatchers whose heartbeat is
        fresh and names what they reach (a dispatcher older than this split names nothing
        and claims everything, as this one then does), except those of this host whose
        process is gone. Whether the agents this one is to claim changed."""
        peers = {}
        for system in live_dispatchers(systems):
            listed = (system.system_configuration or {}).get(REACHES)
            if system.system_id != me and isinstance(listed, list) and not killed(system):
                peers[system.system_id] = frozenset(a for a in listed if isinstance(a, str))
        reaches = list(reaches)
        before = [self.owns(agent) for agent in reaches]
        self._me, self._peers = me, peers
        after = [self.owns(agent) for agent in reaches]
        if not self._leaves_some and not all(after):  # a new peer has left nothing yet
            self._next_sweep = time.monotonic() + self.sweep
        self._leaves_some = not all(after)
        return after != before

    def owns(self, agent: str) -> bool:
        """Whether this dispatcher is the one to claim `agent`'s lanes."""
        mine = weight(self._me, agent)
        return all(mine > weight(p, agent) for p, reach in self._peers.items() if agent in reach)

    def leaves(self, agent: str) -> bool:
        """Whether a peer is to claim `agent`'s lanes."""
        return not self.owns(agent)

    def sweep_due(self) -> bool:
        """Whether to claim from every lane now (then not again for `sweep` seconds)."""
        if not self._leaves_some or time.monotonic() < self._next_sweep:
            return False
        self._next_sweep = time.monotonic() + self.sweep
        return True

    def sooner(self, due_in: float | None) -> float | None:
        """`due_in`, or the time to the next sweep if that comes first."""
        if not self._leaves_some:
            return due_in
        until_sweep = max(0.0, self._next_sweep - time.monotonic())
        return until_sweep if due_in is None else min(due_in, until_sweep)
