"""A V2 compliance finding: one row of `v2_compliance_audit` per audited component per run."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from swarmbus.model import ids, timefmt
from swarmbus.model.types import JsonList, JsonObject, UtcTime

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
