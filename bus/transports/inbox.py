"""The inbox transport: one Markdown file per message in the agent's inbox folder.

Files are written atomically (temporary file, then rename), so a reader never
sees half a message, and named `<delivery time>-<message id>.md`, so `ls` lists
them in delivery order. A redelivered message whose file already exists is not
written again: the inbox holds each message once.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import ClassVar

import anyio.to_thread

from swarmbus.agents.config import Swarm
from swarmbus.bus.transports.base import DeliveryRequest, DeliveryResult
from swarmbus.fsutil import atomic_write
from swarmbus.model import render

CONCURRENCY = 8  # parallel file writes; each lane still writes in order
BATCH_SIZE = 64  # messages of one lane handed over per claim


def file_name(message_id: str, delivered_at: datetime) -> str:
    """`20261125T125135.123456Z-<id>.md`: sorts by delivery time, then id."""
    return f"{delivered_at.astimezone(UTC):%Y%m%dT%H%M%S.%fZ}-{message_id}.md"


def existing_file(folder: Path, message_id: str) -> Path | None:
    """The file an earlier delivery of this message left, if any."""
    return next(iter(folder.glob(f"*-{message_id}.md")), None)


class InboxTransport:
    """Delivers into `Swarm.inbox_dir(agent)`, creating the folder when needed."""

    name: ClassVar[str] = "inbox"

    def __init__(self, swarm: Swarm, *, durable: bool = True) -> None:
        self._swarm = swarm
        self._durable = durable
        self.concurrency = CONCURRENCY
        self.batch_size = BATCH_SIZE
        self.idempotent = True

    def unavailable_reason(self) -> str | None:
        return None

    async def deliver(self, request: DeliveryRequest) -> DeliveryResult:
        folder = self._swarm.inbox_dir(request.agent)
        try:
            path = await anyio.to_thread.run_sync(self._write, request, folder)
        except OSError as exc:
            return DeliveryResult(
                method="inbox",
                error=f"cannot write to inbox {folder}: {exc.strerror or exc}",
                coordinate_status="not_applicable",
            )
        return DeliveryResult(
            method="inbox", coordinate_status="not_applicable", details={"path": str(path)}
        )

    def _write(self, request: DeliveryRequest, folder: Path) -> Path:
        message = request.message
        folder.mkdir(parents=True, exist_ok=True)
        if request.redelivery and (earlier := existing_file(folder, message.message_id)):
            return earlier
        path = folder / file_name(message.message_id, datetime.now(UTC))
        atomic_write(path, render.inbox_document(message), durable=self._durable)
        return path

    async def aclose(self) -> None:
        return None
