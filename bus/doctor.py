"""`swarmbus doctor`: run every check once and record each as an `integration_tests` row.

One run shares a `run_id`. Each row carries the seed columns: the check's
name and `test_type`, passed/failed/skipped, what it was given (`test_data`),
what it expected and what it found (JSON), how long it took, when it ran, the
component it examined, the environment (`$SWARMBUS_ENVIRONMENT`, else `ci`
under CI, else `development`) and who ran it (`$SWARMBUS_AGENT`, else
`doctor@HOST`). A check that crashes is a failed row, never a traceback.
"""

from __future__ import annotations

import logging
import os
import tempfile
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, get_args

from swarmbus import errors
from swarmbus.agents.config import DatabaseConfig, Swarm
from swarmbus.agents.registry import this_host
from swarmbus.bus.checkup import Check, Outcome, Patient, TokenReader, failed
from swarmbus.bus.doctor_database import database_checks
from swarmbus.bus.doctor_swarm import swarm_checks
from swarmbus.model import ids, timefmt
from swarmbus.model.checks import IntegrationTest
from swarmbus.storage.database import Database, open_database

logger = logging.getLogger(__name__)

ENVIRONMENT_ENV = "SWARMBUS_ENVIRONMENT"
AGENT_ENV = "SWARMBUS_AGENT"


@dataclass(frozen=True)
class Visit:
    """What `swarmbus doctor` was asked to look at."""

    database: str
    swarm: Swarm | None
    env: Mapping[str, str] = field(default_factory=lambda: dict(os.environ))
    read_token: TokenReader | None = None
    config_error: str | None = None


@dataclass
class DoctorReport:
    """The rows of one run; `recorded` says whether they reached the database."""

    run_id: str
    rows: list[IntegrationTest]
    recorded: bool = True
    note: str | None = None

    @property
    def failed(self) -> int:
        return sum(row.test_status == "failed" for row in self.rows)

    def counts(self) -> dict[str, int]:
        return {
            s: sum(r.test_status == s for r in self.rows) for s in ("passed", "failed", "skipped")
        }

    def as_dict(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            **self.counts(),
            "recorded": self.recorded,
            "note": self.note,
            "checks": [row.model_dump(mode="json") for row in self.rows],
        }


def environment_of(env: Mapping[str, str]) -> str:
    """Where the checks run, for `test_environment` (one of the values its CHECK allows)."""
    allowed = get_args(IntegrationTest.model_fields["test_environment"].annotation)
    chosen = env.get(ENVIRONMENT_ENV, "").strip()
    if chosen and chosen not in allowed:
        raise errors.UsageError(
            f"{ENVIRONMENT_ENV}={chosen!r} is not allowed; use {', '.join(allowed)}"
        )
    return chosen or ("ci" if env.get("CI", "").lower() in ("1", "true", "yes") else "development")


def agent_of(env: Mapping[str, str]) -> str:
    """Who runs the checks, for `test_agent`."""
    return env.get(AGENT_ENV, "").strip() or f"doctor@{this_host()}"


async def run_doctor(visit: Visit) -> DoctorReport:
    """Open the database, run every check, record the rows in one transaction."""
    stamp = (environment_of(visit.env), agent_of(visit.env), ids.new_id())
    settings = visit.swarm.config.database if visit.swarm else DatabaseConfig()
    try:
        db = await open_database(
            visit.database,
            synchronous=settings.synchronous,
            busy_timeout_ms=settings.busy_timeout_ms,
        )
    except errors.StorageError as exc:
        return _unopenable(visit, stamp, exc)
    async with db:
        with tempfile.TemporaryDirectory(prefix="swarmbus-doctor-") as workdir:
            patient = Patient(
                db, visit.swarm, visit.env, Path(workdir), visit.read_token, visit.config_error
            )
            checks = database_checks(patient) + await swarm_checks(patient)
            rows = [await _examine(check) for check in checks]
        return await _record(db, _stamped(rows, stamp))


def _unopenable(visit: Visit, stamp: tuple[str, str, str], exc: Exception) -> DoctorReport:
    """The database cannot even be opened: one failed row, which cannot be recorded."""
    outcome = failed(f"cannot open {visit.database}: {exc}", error=str(exc))
    check = Check("database_open", "database", "storage.database", _never)
    row = _row(check, outcome, timefmt.utcnow(), 0)
    report = DoctorReport(stamp[2], _stamped([row], stamp), recorded=False)
    report.note = "the database could not be opened, so this run is not recorded"
    return report


async def _never() -> Outcome:
    raise AssertionError("not run")


async def _examine(check: Check) -> IntegrationTest:
    """Run one check, timing it; a crash becomes a failed row."""
    started_at = timefmt.utcnow()
    started = time.perf_counter()
    try:
        outcome = await check.run()
    except errors.BusError as exc:
        outcome = failed(str(exc), error=str(exc))
    except Exception as exc:  # a bug in one check must not hide the others' results
        logger.exception("doctor check %s crashed", check.name, extra={"action": "doctor_crash"})
        outcome = failed(f"check crashed: {type(exc).__name__}: {exc}", error=repr(exc))
    elapsed = round((time.perf_counter() - started) * 1000)
    return _row(check, outcome, started_at, elapsed)


def _row(check: Check, outcome: Outcome, started_at: Any, elapsed_ms: int) -> IntegrationTest:
    return IntegrationTest(
        test_name=check.name,
        test_type=check.test_type,
        test_status=outcome.status,
        test_data=check.data,
        expected_result=check.expected,
        actual_result={"detail": outcome.detail, **outcome.actual},
        test_duration_ms=elapsed_ms,
        created_at=started_at,
        executed_at=started_at,
        integration_component=check.component,
        test_coverage_percentage=outcome.coverage,
        v2_compliance_check=check.v2,
        test_agent="",  # stamped with the run below
    )


def _stamped(rows: list[IntegrationTest], stamp: tuple[str, str, str]) -> list[IntegrationTest]:
    """Give the rows their run id, ordered ids, environment and agent."""
    environment, agent, run_id = stamp
    fresh = ids.new_ids(len(rows))
    return [
        row.model_copy(
            update={
                "test_id": test_id,
                "run_id": run_id,
                "test_environment": environment,
                "test_agent": agent,
            }
        )
        for row, test_id in zip(rows, fresh, strict=True)
    ]


async def _record(db: Database, rows: list[IntegrationTest]) -> DoctorReport:
    report = DoctorReport(rows[0].run_id or "", rows)
    try:
        await db.checks.record(rows)
    except errors.StorageError as exc:
        report.recorded = False
        report.note = f"the results could not be recorded: {exc}"
    return report


async def history(database: str, limit: int) -> list[dict[str, Any]]:
    """The latest doctor runs, newest first, with their counts."""
    async with await open_database(database, create=False) as db:
        return await db.checks.runs(limit)
