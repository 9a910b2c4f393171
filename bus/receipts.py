"""Read receipts and acknowledgements, beside the delivery states.

Delivered means the text reached the window or the inbox; read, that the
recipient opened it through a face; acknowledged, that the recipient said so
("done", "on it"). The rules, written once for every face:

- Opening a message marks it read only when the reader is its recipient, and
  only the first opening counts; reading someone else's inbox, or peeking,
  leaves the receipts alone.
- Only the recipient acknowledges; a second ack changes nothing and says so.
  An ack also marks the message read. A reply is not an ack.
- An ack may be required by a deadline; past it, unacked, the message is
  overdue (judged by the database's clock), listed, and alerted once.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, TypedDict, Unpack

from swarmbus import errors
from swarmbus.bus import requests
from swarmbus.model import ids
from swarmbus.model.conversations import Acknowledgement, Inbox
from swarmbus.model.messages import Message
from swarmbus.storage.conversations import ConversationRepository

if TYPE_CHECKING:
    from swarmbus.bus.api import Bus

MAX_NOTE_CHARS = 1000  # characters of an ack note


class InboxOptions(TypedDict, total=False):
    """What `Bus.read` may be asked for beyond whose messages and who reads them."""

    unread: bool  # only messages never opened (default False)
    peek: bool  # show them, mark nothing read (default False)
    limit: int  # at most this many, 1 to 10,000 (default 20)
    since: datetime | None  # only messages sent at or after it


class Receipts:
    """Reading, acknowledging and overdue acks of one `Bus` (its methods delegate here)."""

    def __init__(self, bus: Bus) -> None:
        self._bus = bus
        self._rows = ConversationRepository(bus.db.connector)

    async def read(self, agent: str, reader: str, **options: Unpack[InboxOptions]) -> Inbox:
        """`agent`'s messages from every transport, newest first; opened by `reader`."""
        limit = options.get("limit", 20)
        requests.check_limit(limit)
        self._bus.check_sender(agent, label="agent")
        self._bus.check_sender(reader, label="reader")
        unread, since = options.get("unread", False), options.get("since")
        found = await self._rows.inbox(agent, unread=unread, limit=limit, since=since)
        mine = [m.message_id for m in found if m.to_agent == reader and m.read_at is None]
        marked = {} if options.get("peek", False) else await self.opened(mine, reader)
        shown = [
            m.model_copy(update={"read_at": marked[m.message_id]}) if m.message_id in marked else m
            for m in found
        ]
        return Inbox(agent=agent, reader=reader, messages=shown, marked=sorted(marked))

    async def opened(self, message_ids: Sequence[str], reader: str) -> dict[str, datetime]:
        """Note that `reader` opened these messages through a face; only the recipient's
        opening counts, and only the first. Returns {id: read_at} of those read just now."""
        wanted = [i.strip().upper() for i in message_ids if ids.is_valid(i.strip().upper())]
        return await self._rows.mark_read(reader, wanted)

    async def ack(self, message_id: str, agent: str, note: str | None = None) -> Acknowledgement:
        """`agent` acknowledges `message_id`: only its recipient may; twice changes nothing."""
        note = check_note(note)
        message = await self._bus.get(message_id)
        if message.to_agent != agent:
            raise errors.NotRecipient(
                f"message {message.message_id} is addressed to {message.to_agent}; only its "
                f"recipient may acknowledge it, not {agent!r}"
            )
        if message.delivery_status == "expired":
            raise errors.InvalidMessage(
                f"message {message.message_id} expired before it was delivered; "
                f"there is nothing to acknowledge"
            )
        acked = await self._rows.ack(message.message_id, agent, note)
        if acked is None:  # acked before (or just now, by a concurrent call)
            earlier = await self._bus.get(message.message_id)
            return Acknowledgement(message=earlier, acknowledged_now=False)
        return Acknowledgement(message=acked, acknowledged_now=True)

    async def overdue(self, agent: str | None, limit: int) -> list[Message]:
        """Required acks past their deadline, most overdue first."""
        requests.check_limit(limit)
        if agent is not None:
            self._bus.agent(agent)
        return await self._rows.overdue(agent, limit)

    async def overdue_alerts(self, limit: int) -> list[Message]:
        """Overdue acks not alerted yet, each marked alerted as it is returned."""
        requests.check_limit(limit)
        return await self._rows.claim_overdue_alerts(limit)

    async def overdue_counts(self) -> dict[str, int]:
        """{recipient: overdue acks}, for the status report."""
        return await self._rows.overdue_counts()


def check_note(note: str | None) -> str | None:
    """An ack note: None for none (or blank), else at most `MAX_NOTE_CHARS` of text."""
    if note is None or not note.strip():
        return None
    if len(note) > MAX_NOTE_CHARS or "\x00" in note:
        raise errors.UsageError(
            f"ack note {requests.shown(note)} is not allowed; a note is at most "
            f"{MAX_NOTE_CHARS:,} characters of text"
        )
    return note.strip()
