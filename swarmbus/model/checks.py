"""A doctor check: one row of `integration_tests`."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from swarmbus.model import ids, timefmt
from swarmbus.model.types import JsonObject, UtcTime

TestType = Literal["database", "messaging", "discord", "v2_compliance", "core_systems"]
TestStatus = Literal["pending", "running", "passed", "failed", "skipped"]


class IntegrationTest(BaseModel):
    """One row of `integration_tests`."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    test_id: str = Field(default_factory=ids.new_id)
    test_name: str
    test_type: TestType
    test_status: TestStatus = "pending"
    test_data: JsonObject | None = None
    expected_result: JsonObject | None = None
    actual_result: JsonObject | None = None
    test_duration_ms: int | None = Field(default=None, ge=0)
    created_at: UtcTime = Field(default_factory=timefmt.utcnow)
    executed_at: UtcTime | None = None
    integration_component: str
    test_coverage_percentage: float = Field(default=0.0, ge=0, le=100)
    v2_compliance_check: bool = False
    test_environment: Literal["development", "test", "ci", "production"] = "development"
    test_agent: str
    run_id: str | None = None
