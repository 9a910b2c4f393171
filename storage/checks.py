"""The `integration_tests` table: the results of `swarmbus doctor` checks."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from swarmbus.storage import ids, timefmt
from swarmbus.storage import queries as sql
from swarmbus.storage.connector import Connector
from swarmbus.storage.types import JsonObject, UtcTime, row_params

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


class IntegrationTestRepository:
    """All SQL on `integration_tests`."""

    def __init__(self, connector: Connector) -> None:
        self._db = connector
        self._q = sql.load(connector.dialect)

    async def record(self, tests: Sequence[IntegrationTest]) -> None:
        """Store one run's checks in one transaction."""
        async with self._db.transaction() as tx:
            await tx.execute_many(
                self._q["insert_integration_test"], [row_params(t) for t in tests]
            )

    async def list(self, limit: int = 50) -> list[IntegrationTest]:
        rows = await self._db.fetch_all(self._q["list_integration_tests"], {"limit": limit})
        return [IntegrationTest.model_validate(row) for row in rows]

    async def runs(self, limit: int = 10) -> list[dict[str, Any]]:
        """Summaries of the latest doctor runs, newest first."""
        return await self._db.fetch_all(self._q["list_integration_test_runs"], {"limit": limit})

    async def rows_of_run(self, run_id: str) -> list[IntegrationTest]:
        """The checks of one run, in the order they ran."""
        rows = await self._db.fetch_all(
            self._q["list_integration_tests_of_run"], {"run_id": run_id}
        )
        return [IntegrationTest.model_validate(row) for row in rows]
