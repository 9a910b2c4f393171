"""The doctor's checks of the database file and of delivery (test_type database and messaging)."""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from typing import Any

from swarmbus import errors
from swarmbus.bus import probe
from swarmbus.bus.checkup import Check, Outcome, Patient, failed, passed
from swarmbus.model.checks import TestType
from swarmbus.storage import inspection, migrations

SHOWN_PROBLEMS = 20  # problems kept in a row's actual_result

Examination = Callable[[Patient], Awaitable[Outcome]]


def database_checks(patient: Patient) -> list[Check]:
    """Schema, constraints and indexes, integrity, foreign keys, journal mode, round trip."""
    latest = migrations.latest_version(patient.db.connector.dialect)
    required = sum(map(len, inspection.REQUIRED_CHECKS.values()))
    stages = ["stored", "claimed", "delivered", "read back", "confirmed"]
    probe_data = {"recipient": probe.PROBE_AGENT, "transport": "inbox", "folder": "temporary"}
    specs: list[tuple[str, TestType, str, Examination, dict[str, Any], dict[str, Any]]] = [
        ("schema_version", "database", "storage.migrations", _schema_version,
         {"schema_version": latest}, {}),
        ("schema_constraints", "database", "storage.schema", _constraints,
         {"missing_checks": [], "missing_indexes": []}, {"required_checks": required}),
        ("integrity_check", "database", "sqlite.integrity_check", _integrity,
         {"integrity_check": ["ok"]}, {}),
        ("foreign_key_check", "database", "sqlite.foreign_key_check", _foreign_keys,
         {"orphan_rows": 0}, {}),
        ("journal_mode", "database", "storage.sqlite", _journal, {"journal_mode": "wal"}, {}),
        ("round_trip", "messaging", "bus.transports.inbox", _round_trip,
         {"stages": stages}, probe_data),
    ]  # fmt: skip
    return [
        Check(name, kind, component, functools.partial(examine, patient), expected, data)
        for name, kind, component, examine, expected, data in specs
    ]


async def _schema_version(patient: Patient) -> Outcome:
    latest = migrations.latest_version(patient.db.connector.dialect)
    current = await migrations.current_version(patient.db.connector)
    if current != latest:
        return failed(
            f"schema version {current}, this swarmbus writes {latest}", schema_version=current
        )
    return passed(f"schema version {current} (current)", schema_version=current)


async def _constraints(patient: Patient) -> Outcome:
    connector = patient.db.connector
    checks = await inspection.missing_checks(connector)
    indexes = await inspection.missing_indexes(connector)
    actual = {"missing_checks": checks, "missing_indexes": indexes}
    if checks or indexes:
        return failed(f"missing: {', '.join(checks + indexes)}", **actual)
    return passed("every required CHECK constraint and index is present", **actual)


async def _integrity(patient: Patient) -> Outcome:
    try:
        problems = await inspection.integrity_problems(patient.db.connector)
    except errors.StorageError as exc:
        return failed(f"integrity_check could not run: {exc}", error=str(exc))
    if problems:
        actual = {"problems": problems[:SHOWN_PROBLEMS], "count": len(problems)}
        return failed(f"{len(problems)} problems, first: {problems[0]}", **actual)
    return passed("ok", integrity_check=["ok"])


async def _foreign_keys(patient: Patient) -> Outcome:
    try:
        orphans = await inspection.foreign_key_problems(patient.db.connector)
    except errors.StorageError as exc:
        return failed(f"foreign_key_check could not run: {exc}", error=str(exc))
    actual = {"orphan_rows": len(orphans), "rows": orphans[:SHOWN_PROBLEMS]}
    if orphans:
        return failed(f"{len(orphans)} rows point nowhere, first: {orphans[0]}", **actual)
    return passed("every foreign key points at a row", **actual)


async def _journal(patient: Patient) -> Outcome:
    mode = await inspection.journal_mode(patient.db.connector)
    if mode != "wal":
        return failed(f"journal mode {mode}: processes will block each other", journal_mode=mode)
    return passed("wal", journal_mode=mode)


async def _round_trip(patient: Patient) -> Outcome:
    try:
        trip = await probe.round_trip(patient.db, patient.workdir)
    except probe.ProbeFailed as exc:
        return failed(str(exc), stage=exc.stage)
    except errors.StorageError as exc:
        return failed(f"the database refused the probe: {exc}", error=str(exc))
    detail = f"stored, claimed, delivered in {trip.delivery_ms} ms, read back, confirmed, removed"
    return passed(detail, **trip.as_dict())
