"""What the bot counts while it runs; the heartbeat reports it."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import Any

RECENT_COMMANDS = 50  # commands the share of crashed ones is computed over


@dataclass
class BotStats:
    """Counters since the bot started."""

    handled: int = 0
    succeeded: int = 0
    failed: int = 0
    refused: int = 0
    unexpected: int = 0  # crashes: commands or events that raised something we did not expect
    alerts_posted: int = 0
    alert_failures: int = 0
    heartbeat_failures: int = 0
    recent: deque[bool] = field(default_factory=lambda: deque(maxlen=RECENT_COMMANDS))

    def count(self, status: str, *, unexpected: bool = False) -> None:
        """Count one finished invocation ('success', 'failed' or 'refused')."""
        self.handled += 1
        if status == "success":
            self.succeeded += 1
        elif status == "refused":
            self.refused += 1
        else:
            self.failed += 1
        self.unexpected += int(unexpected)
        self.recent.append(unexpected)

    @property
    def crash_share(self) -> float:
        return self.recent.count(True) / len(self.recent) if self.recent else 0.0

    def as_metrics(self) -> dict[str, Any]:
        return {
            "commands_handled": self.handled,
            "commands_succeeded": self.succeeded,
            "commands_failed": self.failed,
            "commands_refused": self.refused,
            "unexpected_errors": self.unexpected,
            "alerts_posted": self.alerts_posted,
            "alert_failures": self.alert_failures,
            "heartbeat_failures": self.heartbeat_failures,
        }
