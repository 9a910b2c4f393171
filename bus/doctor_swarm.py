"""The doctor's checks of the swarm around the database: config, screens, Discord, heartbeats,
the latest audit (test_type core_systems, messaging, discord, v2_compliance)."""

from __future__ import annotations

import dataclasses
import os
import tempfile
from pathlib import Path

from swarmbus import errors
from swarmbus.agents import desktop, registry
from swarmbus.agents.desktop.base import layout
from swarmbus.bus.checkup import Check, Outcome, Patient, failed, passed, skipped
from swarmbus.model import timefmt
from swarmbus.model.systems import STALE_AFTER_INTERVALS, SystemStatus

AUDIT_PASS_SCORE = 80.0  # average compliance score of the latest audit that passes


async def swarm_checks(patient: Patient) -> list[Check]:
    """Config, GUI points, Discord token, one check per heartbeat row, the latest audit."""
    systems = await patient.db.systems.list()
    return [
        Check("config", "core_systems", "agents.config", lambda: _config(patient)),
        Check(
            "gui_points",
            "messaging",
            "agents.desktop",
            lambda: _gui_points(patient),
            expected={"off_screen": []},
        ),
        Check(
            "discord_token",
            "discord",
            "discord_bot.credentials",
            lambda: _discord(patient, systems),
            expected={"well_formed": True},
            data={"network": False},
        ),
        *_heartbeat_checks(systems),
        Check(
            "latest_audit",
            "v2_compliance",
            "agents.auditor",
            lambda: _audit(patient),
            expected={"average_score_at_least": AUDIT_PASS_SCORE},
            v2=True,
        ),
    ]


async def _config(patient: Patient) -> Outcome:
    if patient.swarm is None:
        return failed(patient.config_error or "config not loaded", error=patient.config_error)
    swarm = patient.swarm
    await registry.sync(patient.db, swarm)
    listed = {row.agent_id for row in await patient.db.workspaces.list()}
    unregistered = [a.name for a in swarm.config.agents if a.name not in listed]
    problems = {
        a.name: problem
        for a in swarm.config.agents
        if a.transport == "inbox" and (problem := inbox_problem(swarm.inbox_dir(a)))
    }
    actual = {
        "path": str(swarm.path),
        "agents": len(swarm.config.agents),
        "unregistered": unregistered,
        "unusable_inboxes": list(problems),
        "inbox_problems": problems,
    }
    if unregistered or problems:
        why = "; ".join(f"{name}: {problem}" for name, problem in problems.items())
        return failed(f"not registered: {unregistered}; unusable inboxes: {why or '[]'}", **actual)
    return passed(f"{swarm.path}: {len(swarm.config.agents)} agents, all registered", **actual)


def inbox_problem(folder: Path) -> str | None:
    """Why a delivery cannot land in `folder`, found by doing what the inbox transport does.

    Missing folders are made, a probe file is written, synced and removed, and
    the folders made are removed again: nothing is left behind. A folder that
    only looks fine (read-only, a full disk, no permission) fails here.
    """
    made: list[Path] = []
    try:
        for missing in reversed([p for p in (folder, *folder.parents) if not p.exists()]):
            missing.mkdir()
            made.append(missing)
        handle, probe = tempfile.mkstemp(prefix=".swarmbus-doctor-", suffix=".probe", dir=folder)
        try:
            os.write(handle, b"swarmbus doctor: can this inbox take a delivery?\n")
            os.fsync(handle)
        finally:
            os.close(handle)
            os.unlink(probe)
    except OSError as exc:
        return f"cannot write in {exc.filename or folder}: {exc.strerror or exc}"
    finally:
        for folder_made in reversed(made):
            folder_made.rmdir()
    return None


async def _gui_points(patient: Patient) -> Outcome:
    if patient.swarm is None:
        return skipped("config not loaded")
    gui = [a for a in patient.swarm.config.agents if a.transport == "gui" and a.point]
    if not gui:
        return skipped("no gui agents")
    backend = desktop.backend_name()
    try:
        found = desktop.screens(patient.env)
    except desktop.BackendMissing as exc:  # listed, never passed: nothing was checked
        return skipped(f"unverified: {exc}", verified=False, backend=backend)
    except errors.BusError as exc:
        return failed(str(exc), error=str(exc))
    if found is None:
        return skipped("no display")
    off = [a.name for a in gui if not desktop.on_any(a.point, found)]  # type: ignore[arg-type]
    actual = {"off_screen": off, "screens": [dataclasses.asdict(s) for s in found]}
    actual["backend"] = backend
    if off:
        points = ", ".join(f"{a.name} {a.point}" for a in gui if a.name in off)
        return failed(f"off every screen: {points} (screens: {layout(found)})", **actual)
    return passed(f"{len(gui)} gui points on {len(found)} screens ({backend})", **actual)


async def _discord(patient: Patient, systems: list[SystemStatus]) -> Outcome:
    swarm = patient.swarm
    configured = swarm is not None and "discord" in swarm.config.model_fields_set
    bot_rows = [s.system_id for s in systems if s.system_name == "discord"]
    if not configured and not bot_rows:
        return skipped("discord bot not configured")
    if patient.read_token is None:
        return skipped("no token check available")
    try:
        patient.read_token(patient.env)
    except errors.ConfigError as exc:
        return failed(str(exc), well_formed=False)
    return passed("token present and well-formed (not sent anywhere)", well_formed=True)


def _heartbeat_checks(every: list[SystemStatus]) -> list[Check]:
    """One check per system, but none for those stopped long ago (they are history)."""
    systems = [system for system in every if not system.long_stopped()]
    if not systems:
        return [
            Check(
                "heartbeats",
                "core_systems",
                "core_systems_status",
                _no_systems,
                expected={"stale": False},
            )
        ]
    return [
        Check(
            f"heartbeat {system.system_id}",
            "core_systems",
            f"{system.system_name}:{system.system_id}",
            lambda system=system: _heartbeat(system),  # type: ignore[misc]
            expected={"stale": False},
            data={"limit_seconds": system.heartbeat_interval_seconds * STALE_AFTER_INTERVALS},
        )
        for system in systems
    ]


async def _no_systems() -> Outcome:
    return skipped("no system has reported yet (start one with 'swarmbus run')")


async def _heartbeat(system: SystemStatus) -> Outcome:
    now = timefmt.utcnow()
    age = round(system.age_seconds(now), 1)
    actual = {
        "system_status": system.system_status,
        "age_seconds": age,
        "health_score": system.health_score,
        "error_count": system.error_count,
        "stale": system.is_stale(now),
    }
    if system.system_status == "inactive":
        return skipped(f"stopped {age:.0f} s ago", **actual)
    if actual["stale"]:
        return failed(f"stale: last heartbeat {age:.0f} s ago", **actual)
    return passed(
        f"{system.system_status}, {age:.0f} s ago, health {system.health_score:.0f}", **actual
    )


async def _audit(patient: Patient) -> Outcome:
    runs = await patient.db.audits.runs(limit=1)
    if not runs:
        return skipped("no audit has run yet ('swarmbus audit PATH')")
    latest = runs[0]
    average = round(latest["average_score"] or 0.0, 1)
    actual = {
        "run_id": latest["run_id"],
        "average_score": average,
        "violations": latest["violations"],
        "components": latest["components"],
    }
    line = f"run {latest['run_id']}: average {average}, {latest['violations']} violations"
    if average < AUDIT_PASS_SCORE:
        return failed(f"{line} (below {AUDIT_PASS_SCORE:g})", **actual)
    return passed(line, **actual)
