"""One MCP server process = one agent: who it is, the open bus, and how a call is bounded.

The identity is the configured agent name (`--agent` or $SWARMBUS_AGENT),
checked against the registry before the server answers anything: no random
names, nothing to lose between sessions. Every tool runs through `call`, which
bounds it by a timeout (a locked or vanished database is an error the model
reads, never a hang) and turns the bus's refusals into the same one line the
CLI prints.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection
from typing import TYPE_CHECKING, TypeVar

import anyio

from swarmbus import errors
from swarmbus.printable import visible

if TYPE_CHECKING:
    from swarmbus.bus.api import Bus
    from swarmbus.model.messages import Message

T = TypeVar("T")

AGENT_ENV = "SWARMBUS_AGENT"
TIMEOUT_ENV = "SWARMBUS_MCP_TIMEOUT"
DEFAULT_TIMEOUT = 5.0  # seconds one tool call may take
MAX_TIMEOUT = 300.0


class Refused(Exception):
    """A call the server answers with an error: one line, for the model to read."""


def check_timeout(seconds: float) -> float:
    """A tool timeout from the command line or the environment."""
    if not 0.1 <= seconds <= MAX_TIMEOUT:
        raise errors.UsageError(
            f"--timeout {seconds:g} is not allowed; use 0.1 to {MAX_TIMEOUT:g} seconds"
        )
    return seconds


def check_agent(configured: Collection[str], name: str | None) -> str:
    """The agent this process serves: a configured agent (a person has no MCP client)."""
    if not name:
        raise errors.UsageError(
            f"say which agent this server serves: --agent NAME, or set ${AGENT_ENV}; "
            f"configured agents: {', '.join(configured) or 'none'}"
        )
    if name not in configured:
        raise errors.UnknownAgent(
            f"agent {name!r} is not a configured agent; configured agents: "
            f"{', '.join(configured) or 'none'} (--agent or ${AGENT_ENV})"
        )
    return name


class AgentSession:
    """The bus as one agent uses it through MCP.

    :param bus: the open bus; the caller closes it.
    :param agent: a configured agent (see `check_agent`).
    :param timeout: seconds each call may take before it is an error.
    """

    def __init__(self, bus: Bus, agent: str, timeout: float = DEFAULT_TIMEOUT) -> None:
        self.bus = bus
        self.agent = check_agent(bus.configured, agent)
        self.timeout = timeout

    async def call(self, what: str, work: Callable[[], Awaitable[T]]) -> T:
        """Run one call within the timeout; a refusal or failure becomes `Refused`."""
        try:
            with anyio.fail_after(self.timeout):
                return await work()
        except TimeoutError:
            raise Refused(
                f"{what} did not finish within {self.timeout:g} s: the database may be locked "
                f"or gone (nothing is known about the result; try again)"
            ) from None
        except errors.BusError as exc:
            raise Refused(visible(" ".join(str(exc).split()))) from None
        except OSError as exc:
            raise Refused(visible(f"{what} failed: {exc.strerror or exc}")) from None

    async def own_message(self, message_id: str) -> Message:
        """A message to or from this agent; another agent's mail is refused, not shown."""
        message = await self.bus.get(message_id)
        if self.agent not in (message.to_agent, message.from_agent):
            raise errors.NotRecipient(
                f"message {message.message_id} is between {message.from_agent} and "
                f"{message.to_agent}; {self.agent} may read only its own messages"
            )
        return message

    def check_in_thread(self, participants: list[str], thread_id: str) -> None:
        """Refuse a thread this agent takes no part in."""
        if self.agent not in participants:
            raise errors.NotInThread(
                f"{self.agent} is not in thread {thread_id} (its participants: "
                f"{', '.join(participants)}); an agent reads only its own threads"
            )
