"""The `v2_compliance_audit` table: one row per audited component per run."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from swarmbus.storage import ids, timefmt
from swarmbus.storage import queries as sql
from swarmbus.storage.connector import Connector
from swarmbus.storage.types import JsonList, JsonObject, UtcTime, row_params

ComponentType = Literal["file", "database", "integration", "service"]
RefactoringPriority = Literal["low", "medium", "high"]


class ComplianceAudit(BaseModel):
    """One row of `v2_compliance_audit`."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    audit_id: str = Field(default_factory=ids.new_id)
    component_name: str
    component_type: ComponentType
    compliance_score: float = Field(ge=0, le=100)
    violations_found: int = Field(default=0, ge=0)
    violations_details: JsonList | None = None
    audit_timestamp: UtcTime = Field(default_factory=timefmt.utcnow)
    auditor_agent: str
    integration_impact: JsonObject | None = None
    refactoring_required: bool = False
    refactoring_priority: RefactoringPriority = "medium"
    estimated_refactoring_cycles: int = Field(default=1, ge=0)
    integration_dependencies_affected: JsonList | None = None
    refactoring_plan: JsonObject | None = None
    run_id: str | None = None


class AuditRepository:
    """All SQL on `v2_compliance_audit`."""

    def __init__(self, connector: Connector) -> None:
        self._db = connector
        self._q = sql.load(connector.dialect)

    async def record_run(self, audits: Sequence[ComplianceAudit]) -> None:
        """Store one run's rows in one transaction."""
        async with self._db.transaction() as tx:
            await tx.execute_many(self._q["insert_audit"], [row_params(a) for a in audits])

    async def runs(self, limit: int = 10) -> list[dict[str, Any]]:
        """Summaries of the latest runs, newest first."""
        return await self._db.fetch_all(self._q["list_audit_runs"], {"limit": limit})

    async def rows_of_run(self, run_id: str) -> list[ComplianceAudit]:
        rows = await self._db.fetch_all(self._q["list_audits_of_run"], {"run_id": run_id})
        return [ComplianceAudit.model_validate(row) for row in rows]
