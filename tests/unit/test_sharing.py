"""How dispatchers that reach the same agents split them (bus/sharing.py)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import timedelta

from swarmbus.agents.registry import this_host
from swarmbus.bus.sharing import REACHES, LaneShares
from swarmbus.model import timefmt
from swarmbus.model.systems import SystemStatus

AGENTS = [f"Agent-{n}" for n in range(1, 41)]


def beat(name: str, reaches: object = AGENTS, **fields: object) -> SystemStatus:
    """A dispatcher's heartbeat row naming the agents it reaches."""
    row = {
        "system_id": name,
        "system_name": "messaging",
        "system_status": "active",
        "system_configuration": {REACHES: reaches},
        **fields,
    }
    return SystemStatus.model_validate(row)


def test_two_dispatchers_give_each_shared_agent_one_owner_and_both_a_share() -> None:
    views = {}
    for me, peer in (("messaging@a", "messaging@b"), ("messaging@b", "messaging@a")):
        views[me] = LaneShares()
        views[me].refresh(me, [beat(me), beat(peer)], AGENTS)
    owners = [[name for name, view in views.items() if view.owns(a)] for a in AGENTS]
    assert all(len(owner) == 1 for owner in owners), owners
    assert 10 <= sum(owner == ["messaging@a"] for owner in owners) <= 30
    assert all(views["messaging@a"].leaves(a) == views["messaging@b"].owns(a) for a in AGENTS)


def test_an_agent_no_peer_reaches_stays_with_the_dispatcher_that_does() -> None:
    shares = LaneShares()
    shares.refresh("messaging@a", [beat("messaging@b", ["Agent-1"])], ["Agent-1", "Agent-2"])
    assert shares.owns("Agent-2")
    peer = LaneShares()
    peer.refresh("messaging@b", [beat("messaging@a", ["Agent-1", "Agent-2"])], ["Agent-1"])
    assert shares.owns("Agent-1") != peer.owns("Agent-1")


def test_only_live_dispatchers_that_say_what_they_reach_are_peers() -> None:
    """A stopped or silent dispatcher, another kind of system, and a dispatcher older
    than the split (its row names no agents: it claims them all) take nothing away."""
    old = timefmt.utcnow() - timedelta(minutes=5)
    rows = [
        beat("stopped", system_status="inactive"),
        beat("silent", last_health_check=old),
        beat("bot", system_name="discord"),
        beat("older", reaches=None),
        beat("garbled", reaches="Agent-1"),
        SystemStatus(system_id="bare", system_name="messaging", system_status="active"),
    ]
    shares = LaneShares()
    shares.refresh("messaging@a", rows, AGENTS)
    assert all(shares.owns(a) for a in AGENTS)
    assert not shares.sweep_due()
    assert shares.sooner(None) is None
    assert shares.sooner(2.5) == 2.5


def test_a_dispatcher_of_this_host_whose_process_is_gone_is_no_peer() -> None:
    """Killed with its heartbeat still fresh: a dispatcher started again at once takes
    all its agents; one elsewhere cannot be asked, and stays a peer until it goes stale."""
    ended = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    gone, here = {"pid": int(ended.stdout)}, this_host()
    shares = LaneShares()
    shares.refresh("messaging@a", [beat("crashed", host=here, performance_metrics=gone)], AGENTS)
    assert all(shares.owns(a) for a in AGENTS)
    for row in (
        beat("running", host=here, performance_metrics={"pid": os.getpid()}),
        beat("remote", host=f"not-{here}", performance_metrics=gone),
    ):
        shares.refresh("messaging@a", [row], AGENTS)
        assert not all(shares.owns(a) for a in AGENTS), row.system_id


def test_the_lanes_left_to_peers_are_swept_every_sweep_seconds() -> None:
    shares = LaneShares(sweep=0.2)
    assert shares.refresh("messaging@a", [beat("messaging@b")], AGENTS)  # its share changed
    assert not shares.refresh("messaging@a", [beat("messaging@b")], AGENTS)
    assert not shares.sweep_due()  # a peer just seen has left nothing behind yet
    until = shares.sooner(None)
    assert until is not None
    assert 0.1 < until <= 0.2
    assert shares.sooner(0.05) == 0.05
    time.sleep(0.2)
    assert shares.sooner(5.0) == 0.0
    assert shares.sweep_due()
    assert not shares.sweep_due()  # then not again for 0.2 s
    assert shares.refresh("messaging@a", [], AGENTS)  # the peer left: all its own again
    assert not shares.sweep_due()
    assert shares.sooner(None) is None


def test_every_process_splits_the_same_way() -> None:
    """`hash()` of a str differs between processes; the split must not."""
    code = (
        "from swarmbus.bus.sharing import weight; "
        "print([weight('messaging@a', f'Agent-{n}') > weight('messaging@b', f'Agent-{n}') "
        "for n in range(20)])"
    )
    outputs = {
        subprocess.run(
            [sys.executable, "-c", code],
            env={**os.environ, "PYTHONHASHSEED": str(seed)},
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for seed in (1, 2)
    }
    assert len(outputs) == 1
    assert "True" in outputs.pop()
