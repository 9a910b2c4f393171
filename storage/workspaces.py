"""The `agent_workspaces` table: the agent registry and each agent's reported state."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from swarmbus.storage import queries as sql
from swarmbus.storage import timefmt
from swarmbus.storage.connector import Connector
from swarmbus.storage.types import JsonList, UtcTime

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


class WorkspaceRepository:
    """All SQL on `agent_workspaces`."""

    def __init__(self, connector: Connector) -> None:
        self._db = connector
        self._q = sql.load(connector.dialect)

    async def list(self, *, include_removed: bool = False) -> list[AgentWorkspace]:
        rows = await self._db.fetch_all(
            self._q["list_workspaces"], {"include_removed": include_removed}
        )
        return [AgentWorkspace.model_validate(row) for row in rows]

    async def get(self, agent_id: str) -> AgentWorkspace | None:
        row = await self._db.fetch_one(self._q["get_workspace"], {"agent_id": agent_id})
        return None if row is None else AgentWorkspace.model_validate(row)

    async def set_v2_compliance(self, agent_id: str, score: float) -> bool:
        """Store an agent's latest compliance score; False if the agent is unknown."""
        async with self._db.transaction() as tx:
            changed = await tx.execute(
                self._q["set_v2_compliance"], {"agent_id": agent_id, "score": score}
            )
        return changed == 1

    async def report(self, report: Report) -> bool:
        """Store an agent's report; False if no configured agent has that id."""
        params = {
            "agent_id": report.agent_id,
            "status": report.status,
            "set_focus": int(report.focus is not None),
            "current_focus": report.focus,
            "cycle": int(report.cycle),
            "task_done": int(report.task_done),
            "coordination_efficiency": report.efficiency,
            "now": timefmt.now_text(),
        }
        async with self._db.transaction() as tx:
            return await tx.execute(self._q["report_workspace"], params) == 1

    async def sync(self, registrations: Sequence[Registration]) -> int:
        """Make the registry match the config; return how many rows changed.

        Reads first and writes only when something differs, so that every CLI
        call can sync without taking the write lock.
        """
        rows = await self._db.fetch_all(self._q["list_workspaces"], {"include_removed": True})
        current = {row["agent_id"]: row for row in rows}
        wanted = {reg.agent_id: reg for reg in registrations}
        changed = [reg for reg in registrations if _differs(current.get(reg.agent_id), reg)]
        removed = [
            agent_id
            for agent_id, row in current.items()
            if row["configured"] and agent_id not in wanted
        ]
        if not changed and not removed:
            return 0
        async with self._db.transaction() as tx:
            for reg in changed:
                await tx.execute(self._q["upsert_workspace"], reg.__dict__)
            for agent_id in removed:
                await tx.execute(self._q["mark_workspace_removed"], {"agent_id": agent_id})
        return len(changed) + len(removed)


def _differs(row: dict[str, Any] | None, reg: Registration) -> bool:
    # Raw rows, not models: every CLI call syncs, and this keeps it cheap.
    if row is None or not row["configured"]:
        return True
    return any(row[key] != value for key, value in reg.__dict__.items())
