"""Alerts in a Discord channel: a message was dead-lettered, a required ack is overdue, or
a system went stale.

Each dead letter is announced once; an overdue ack once ever, and never once
it is acked (the database marks it alerted as it hands it out, so two bots
never both post it); a stale system once until it reports again. Alerts that
arrive together go out as one post, and posts are at least
`alert_min_interval_seconds` apart; what waits is kept (bounded) and a post
that fails is tried again at the next poll.
"""

from __future__ import annotations

import logging
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable

import anyio

from swarmbus import errors
from swarmbus.bus.api import Bus
from swarmbus.discord_bot.stats import BotStats
from swarmbus.discord_bot.text import CONTENT_LIMIT, ago, fit_lines, inline
from swarmbus.model import timefmt

logger = logging.getLogger(__name__)

BATCH = 100  # dead letters read per poll
REMEMBERED = 10_000  # dead-letter ids remembered so none is announced twice
WAITING_LIMIT = 500  # alerts held while posting is rate-limited or failing


class AlertWatcher:
    """Finds new dead letters and stale systems, and posts them through `post`."""

    def __init__(
        self,
        bus: Bus,
        post: Callable[[str], Awaitable[object]],
        stats: BotStats,
        min_interval: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._bus = bus
        self._post = post
        self._stats = stats
        self._min_interval = min_interval
        self._clock = clock
        self._since = timefmt.utcnow()  # dead letters from before the bot started are old news
        self._after_id = ""
        self._announced: OrderedDict[str, None] = OrderedDict()
        self._stale: set[str] = set()
        self._waiting: list[str] = []
        self._left_out = 0
        self._last_post: float | None = None

    async def poll(self) -> int:
        """Look for new events, post them if the rate limit allows; return alerts posted."""
        found = await self._dead_letters() + await self._overdue_acks()
        self._queue(found + await self._stale_systems())
        if not self._waiting or not self._may_post():
            return 0
        lines = self._waiting + ([f"… and {self._left_out} more alerts"] if self._left_out else [])
        try:
            await self._post(fit_lines(lines, CONTENT_LIMIT, "more alerts"))
        except Exception as exc:
            self._stats.alert_failures += 1
            logger.warning("alert not posted: %s", exc, extra={"action": "alert_failed"})
            return 0
        posted = len(self._waiting) + self._left_out
        self._waiting, self._left_out = [], 0
        self._last_post = self._clock()
        self._stats.alerts_posted += posted
        return posted

    async def run(self, interval: float) -> None:
        """Poll every `interval` seconds until cancelled."""
        while True:
            try:
                await self.poll()
            except errors.StorageError as exc:
                logger.warning("alert poll failed: %s", exc, extra={"action": "alert_poll_failed"})
            await anyio.sleep(interval)

    async def _dead_letters(self) -> list[str]:
        found = await self._bus.dead_letters(self._since, self._after_id, BATCH)
        lines = []
        for message in found:
            if message.processed_at is not None:
                self._since, self._after_id = message.processed_at, message.message_id
            if message.message_id in self._announced:
                continue
            self._announced[message.message_id] = None
            if len(self._announced) > REMEMBERED:
                self._announced.popitem(last=False)
            error = inline(message.last_error or "no error recorded", 200)
            lines.append(
                f"⚠️ Dead letter `{message.message_id}` for {message.to_agent} after "
                f"{message.retry_count} attempts: {error}"
            )
        return lines

    async def _overdue_acks(self) -> list[str]:
        now = timefmt.utcnow()
        return [
            f"⏰ Ack overdue: `{m.message_id}` for {m.to_agent} from {inline(m.from_agent, 40)}, "
            f"due {ago((now - m.ack_due_at).total_seconds())} ago: {inline(m.content, 120)}"
            for m in await self._bus.overdue_alerts(BATCH)
            if m.ack_due_at is not None
        ]

    async def _stale_systems(self) -> list[str]:
        now = timefmt.utcnow()
        lines = []
        for system in await self._bus.systems():
            if not system.is_stale(now):
                self._stale.discard(system.system_id)
            elif system.system_id not in self._stale:
                self._stale.add(system.system_id)
                lines.append(
                    f"⚠️ System {system.system_name} `{system.system_id}` is stale: last "
                    f"heartbeat {ago(system.age_seconds(now))} ago ({system.system_status})"
                )
        return lines

    def _queue(self, lines: list[str]) -> None:
        room = WAITING_LIMIT - len(self._waiting)
        self._waiting += lines[:room]
        self._left_out += max(0, len(lines) - room)

    def _may_post(self) -> bool:
        return self._last_post is None or self._clock() - self._last_post >= self._min_interval
