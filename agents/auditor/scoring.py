"""From violations to the seed's verdict: score, priority, refactoring cycles.

compliance_score = max(0, 100 − Σ penalty) over the violations that count
(waived ones do not), where one violation costs 5 + 20 × min(1, excess) and
excess = (measured − limit) / limit: a function one line too long costs about
5 points, one twice the limit costs 25. A file that does not parse or cannot
be read scores 0.

refactoring_priority: 'high' with more than 3 violations (the seed's rule);
otherwise 'medium', or 'low' when every violation is minor (at most 10 % over
its limit) or there is none. estimated_refactoring_cycles: 0 for a compliant
component, else ceil(Σ min(excess, 3)), at least 1.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from swarmbus.agents.auditor.rules import Violation

FATAL_RULES = frozenset({"syntax", "unreadable"})
BASE_PENALTY = 5.0  # points for any violation
EXCESS_PENALTY = 20.0  # further points at 100 % over the limit
MINOR_EXCESS = 0.10  # at most this far over the limit counts as minor
SEED_HIGH_PRIORITY = 3  # more violations than this make the priority high


@dataclass(frozen=True)
class Verdict:
    score: float
    counted: int
    priority: str
    cycles: int

    @property
    def refactoring_required(self) -> bool:
        return self.counted > 0


def verdict(violations: Sequence[Violation]) -> Verdict:
    """Score one component (the formula in the module docstring)."""
    counted = [v for v in violations if v.waived is None]
    if any(v.rule in FATAL_RULES for v in counted):
        return Verdict(0.0, len(counted), "high", max(1, len(counted)))
    penalty = sum(BASE_PENALTY + EXCESS_PENALTY * min(1.0, v.excess) for v in counted)
    score = round(max(0.0, 100.0 - penalty), 1)
    if len(counted) > SEED_HIGH_PRIORITY:
        priority = "high"
    elif any(v.excess > MINOR_EXCESS for v in counted):
        priority = "medium"
    else:
        priority = "low"
    cycles = max(1, math.ceil(sum(min(v.excess, 3.0) for v in counted))) if counted else 0
    return Verdict(score, len(counted), priority, cycles)
