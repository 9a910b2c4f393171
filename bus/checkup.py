"""What one doctor check is, and what it found.

A check is a name, a seed `test_type`, the component it examines, the
parameters and the result it expects (recorded as `test_data` and
`expected_result`), and a coroutine that looks and returns an `Outcome`
(recorded as `actual_result`). Checks never raise for what they find: a
problem is a failed outcome with the reason in one line.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from swarmbus.agents.config import Swarm
from swarmbus.model.checks import TestType
from swarmbus.storage.database import Database

Verdict = Literal["passed", "failed", "skipped"]
TokenReader = Callable[[Mapping[str, str]], str]  # raises ConfigError when unusable


@dataclass(frozen=True)
class Outcome:
    """What a check found; `detail` is the line shown in the table."""

    status: Verdict
    detail: str
    actual: dict[str, Any] = field(default_factory=dict)
    coverage: float = 100.0  # share of what the check should examine that it could examine


def passed(detail: str, **actual: Any) -> Outcome:
    return Outcome("passed", detail, actual)


def failed(detail: str, **actual: Any) -> Outcome:
    return Outcome("failed", detail, actual)


def skipped(detail: str, **actual: Any) -> Outcome:
    return Outcome("skipped", detail, actual, coverage=0.0)


@dataclass(frozen=True)
class Check:
    """One check of a doctor run."""

    name: str
    test_type: TestType
    component: str
    run: Callable[[], Awaitable[Outcome]]
    expected: dict[str, Any] = field(default_factory=dict)
    data: dict[str, Any] = field(default_factory=dict)
    v2: bool = False  # a V2 compliance check (seed column v2_compliance_check)


@dataclass(frozen=True)
class Patient:
    """What the checks look at: the open database, the swarm (None if its config is broken)."""

    db: Database
    swarm: Swarm | None
    env: Mapping[str, str]
    workdir: Path  # a temporary folder the round trip may write into
    read_token: TokenReader | None = None
    config_error: str | None = None
