"""An agent in the registry: one row of `agent_workspaces`, what the config says about
it, and what it reports about itself."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, ConfigDict

from swarmbus.model.types import JsonList, UtcTime

WorkspaceStatus = Literal["unknown", "idle", "busy", "blocked", "offline"]
# What an agent may report: 'unknown' is only the registry's state before the first report.
ReportedStatus = Literal["idle", "busy", "blocked", "offline"]
REPORTED_STATUSES: tuple[ReportedStatus, ...] = ("idle", "busy", "blocked", "offline")
SubsystemStatus = Literal["pending", "active", "inactive", "error"]
TransportName = Literal["gui", "inbox", "memory"]


class AgentWorkspace(BaseModel):
    """One row of `agent_workspaces`."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    agent_id: str
    team: str
    specialization: str
    captain: str
    status: WorkspaceStatus
    last_cycle: UtcTime | None = None
    current_focus: str | None = None
    cycle_count: int = 0
    tasks_completed: int = 0
    coordination_efficiency: float = 0.0
    v2_compliance: float = 0.0
    last_updated: UtcTime | None = None
    integration_status: Literal["pending", "in_progress", "integrated", "failed"] = "pending"
    integration_components: JsonList | None = None
    integration_tests_passed: int = 0
    integration_tests_total: int = 0
    messaging_system_status: SubsystemStatus = "pending"
    discord_commander_status: SubsystemStatus = "pending"
    core_systems_status: SubsystemStatus = "pending"
    transport: TransportName = "inbox"
    host: str | None = None
    configured: bool = True


@dataclass(frozen=True)
class Report:
    """What an agent reports about itself (`swarmbus agents report`).

    `focus` None keeps the current focus, "" clears it; `efficiency` None keeps
    the stored coordination_efficiency.
    """

    agent_id: str
    status: ReportedStatus
    focus: str | None = None
    cycle: bool = False
    task_done: bool = False
    efficiency: float | None = None


@dataclass(frozen=True)
class Registration:
    """What the config says about an agent: the columns the config owns."""

    agent_id: str
    team: str
    specialization: str
    captain: str
    transport: TransportName
    host: str | None = None
