"""The GUI transport (PyAutoGUI): built in its own issue; until then it reports
itself unavailable, so GUI agents' messages wait instead of failing."""

from __future__ import annotations

from typing import ClassVar

from swarmbus.agents.config import Swarm
from swarmbus.bus.transports.base import DeliveryRequest, DeliveryResult


class GuiTransport:
    name: ClassVar[str] = "gui"

    def __init__(self, swarm: Swarm) -> None:
        self._swarm = swarm
        self.concurrency = 1
        self.batch_size = 8
        self.idempotent = False

    def unavailable_reason(self) -> str | None:
        return "gui delivery is not implemented yet"

    async def deliver(self, request: DeliveryRequest) -> DeliveryResult:
        return DeliveryResult(method="pyautogui", error="gui delivery is not implemented yet")

    async def aclose(self) -> None:
        return None
