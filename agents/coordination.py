"""The `coordination` system: how many agents reported within their expected interval.

An agent is expected to report every `report_interval_seconds` (default
`monitoring.agent_report_seconds`) unless it last reported itself offline.
It is on time when it has reported (its status is no longer 'unknown') and
its row was updated within that interval.

health_score = 100 × on-time agents / expected agents (100 when none is expected).
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from swarmbus.agents.config import AgentConfig, Swarm
from swarmbus.model.systems import SystemStatus
from swarmbus.model.workspaces import AgentWorkspace


@dataclass(frozen=True)
class Roll:
    """Who is expected, who reported on time, who is late and who never reported."""

    on_time: list[str]
    late: list[str]
    never: list[str]
    offline: list[str]

    @property
    def expected(self) -> int:
        return len(self.on_time) + len(self.late) + len(self.never)

    @property
    def health(self) -> float:
        return round(100.0 * len(self.on_time) / self.expected, 1) if self.expected else 100.0


def interval_of(swarm: Swarm, agent: AgentConfig) -> float:
    """Seconds within which `agent` promises to report."""
    return agent.report_interval_seconds or swarm.config.monitoring.agent_report_seconds


def roll_call(swarm: Swarm, rows: Sequence[AgentWorkspace], now: datetime) -> Roll:
    """Sort the configured agents by how recently they reported."""
    by_name = {row.agent_id: row for row in rows}
    roll = Roll([], [], [], [])
    for agent in swarm.config.agents:
        row = by_name.get(agent.name)
        if row is None or row.status == "unknown" or row.last_updated is None:
            roll.never.append(agent.name)
        elif row.status == "offline":
            roll.offline.append(agent.name)
        elif (now - row.last_updated).total_seconds() <= interval_of(swarm, agent):
            roll.on_time.append(agent.name)
        else:
            roll.late.append(agent.name)
    return roll


@dataclass(frozen=True)
class Identity:
    """Who writes the row and how often."""

    system_id: str
    host: str
    interval: float
    started_at: datetime


def status_row(
    swarm: Swarm, rows: Sequence[AgentWorkspace], now: datetime, who: Identity
) -> SystemStatus:
    """The `coordination` row as of `now`."""
    roll = roll_call(swarm, rows, now)
    alerts = [{"agent": name, "alert": "late report"} for name in roll.late]
    alerts += [{"agent": name, "alert": "never reported"} for name in roll.never]
    alerts += [{"agent": r.agent_id, "alert": "blocked"} for r in rows if r.status == "blocked"]
    return SystemStatus(
        system_id=who.system_id,
        system_name="coordination",
        system_status="active",
        health_score=roll.health,
        last_health_check=now,
        performance_metrics=_metrics(roll, rows),
        integration_dependencies=["database", "agent_workspaces", "swarmbus agents report"],
        system_configuration=_configuration(swarm),
        monitoring_alerts=alerts,
        host=who.host,
        heartbeat_interval_seconds=who.interval,
        status_detail=_detail(roll),
        started_at=who.started_at,
    )


def _metrics(roll: Roll, rows: Sequence[AgentWorkspace]) -> dict[str, Any]:
    efficiencies = [r.coordination_efficiency for r in rows]
    return {
        "agents_expected": roll.expected,
        "agents_on_time": len(roll.on_time),
        "agents_late": roll.late,
        "agents_never_reported": roll.never,
        "agents_offline": roll.offline,
        "by_status": {
            s: sum(r.status == s for r in rows) for s in sorted({r.status for r in rows})
        },
        "tasks_completed": sum(r.tasks_completed for r in rows),
        "cycles": sum(r.cycle_count for r in rows),
        "mean_coordination_efficiency": round(statistics.fmean(efficiencies), 1)
        if efficiencies
        else None,
    }


def _configuration(swarm: Swarm) -> dict[str, Any]:
    return {
        "agent_report_seconds": swarm.config.monitoring.agent_report_seconds,
        "report_intervals": {a.name: interval_of(swarm, a) for a in swarm.config.agents},
        "agents": len(swarm.config.agents),
    }


def _detail(roll: Roll) -> str:
    text = f"{len(roll.on_time)} of {roll.expected} agents reported on time"
    if roll.late:
        text += f"; late: {', '.join(roll.late)}"
    if roll.never:
        text += f"; never reported: {', '.join(roll.never)}"
    return text
