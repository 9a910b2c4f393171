"""The GUI transport: paste each message into the agent's chat window with PyAutoGUI.

Per message: check the agent's point lies on a connected screen (before any
mouse call), take the host-wide screen lock, check the window there (when the
agent names a title), click, paste the rendered text through the clipboard,
wait until the window has read it, press the submit key, and give the
clipboard its old text back. Typing is only a per-agent fallback.

The event loop never blocks: the work runs on the process's one GUI thread.
pyautogui, pyperclip and the desktop backend's libraries (python-xlib, user32,
pyobjc) are imported there, on first use, so importing this module needs no
display. Moving the mouse into a screen corner
trips pyautogui's fail-safe: delivery on that screen pauses, for every process,
until a person runs `swarmbus resume`; messages wait meanwhile and no attempt
is counted.
"""

from __future__ import annotations

import logging
import time
from typing import ClassVar

import anyio

from swarmbus.agents import desktop
from swarmbus.agents.config import Swarm
from swarmbus.bus.transports import gui_desk
from swarmbus.bus.transports.base import DeliveryRequest, DeliveryResult
from swarmbus.bus.transports.clipboard import find_tool
from swarmbus.bus.transports.gui_thread import GuiThread, SharedThread
from swarmbus.bus.transports.screen_state import PauseMarker, ScreenBusy, screen_key
from swarmbus.model import ids, render, timefmt
from swarmbus.model.messages import Message

logger = logging.getLogger(__name__)

BATCH_SIZE = 4  # messages of one lane per claim; small, since one mouse serves all lanes
PROBE_TTL = 5.0  # seconds a display check is trusted before it is made again

_SHARED: dict[str, SharedThread[gui_desk.Desk]] = {}


def _thread_for(key: str) -> SharedThread[gui_desk.Desk]:
    if key not in _SHARED:
        _SHARED[key] = SharedThread(lambda: gui_desk.Desk(key), gui_desk.Desk.close)
    return _SHARED[key]


class GuiTransport:
    """Delivers into chat windows on this host's screen ($DISPLAY on X11)."""

    name: ClassVar[str] = "gui"

    def __init__(self, swarm: Swarm | None = None) -> None:
        self._swarm = swarm
        self.concurrency = 1
        self.batch_size = BATCH_SIZE
        self.idempotent = False  # a repeated paste is a second message in the chat
        self._key = screen_key()
        self._pause = PauseMarker(self._key)
        self._shared = _thread_for(self._key)
        self._thread: GuiThread[gui_desk.Desk] | None = None
        self._probe: tuple[float, str | None] = (float("-inf"), None)

    def unavailable_reason(self) -> str | None:
        pause = self._pause.read()
        if pause is not None:
            return pause.describe()
        checked_at, problem = self._probe
        if time.monotonic() - checked_at > PROBE_TTL:
            problem = desktop.display_problem()
            if problem is None and desktop.is_x11() and find_tool() is None:
                problem = "neither xsel nor xclip is installed (needed for the clipboard)"
            self._probe = (time.monotonic(), problem)
        return problem

    async def deliver(self, request: DeliveryRequest) -> DeliveryResult:
        """Paste one message; a started delivery finishes even if the caller is cancelled."""
        if request.agent.nudges(request.message.content):  # a notice: read it over MCP
            text = render.nudge_text([request.message, *request.companions])
        else:
            text = render.gui_text(
                request.message, request.agent.message_template, request.uncertain_since
            )
        job = gui_desk.GuiJob(request.agent, text)
        if self._thread is None:
            self._thread = self._shared.acquire()
        with anyio.CancelScope(shield=True):
            return await self._thread.call(lambda desk: gui_desk.deliver(desk, job))

    async def release_left_keys(self) -> list[int]:
        """Release the keys a killed dispatcher left held down (`gui_desk.release_left_keys`);
        the key codes released. Nothing to do without a usable screen; a screen held by
        another dispatcher past the lock's wait is left to the next delivery, which
        releases them too."""
        if self.unavailable_reason() is not None:
            return []
        if self._thread is None:
            self._thread = self._shared.acquire()
        try:
            return await self._thread.call(gui_desk.release_left_keys)
        except ScreenBusy as busy:
            logger.info("held keys not checked at start: %s", busy, extra={"action": "gui_keys"})
            return []

    async def aclose(self) -> None:
        if self._thread is not None:
            self._thread = None
            await self._shared.release()


def probe_message(agent: str, body: str) -> Message:
    """A message that is never stored: what `swarmbus agents test` delivers."""
    now = timefmt.utcnow()
    return Message(
        message_id=ids.new_id(),
        from_agent="swarmbus",
        to_agent=agent,
        priority="normal",
        tags=["probe"],
        content=body,
        sent_at=now,
        status="pending",
        delivery_status="claimed",
        available_at=now,
        created_at=now,
    )
