"""The agent registry: the config's agents mirrored into `agent_workspaces`."""

from __future__ import annotations

import socket

from swarmbus.agents.config import AgentConfig, Swarm
from swarmbus.model.workspaces import AgentWorkspace, Registration
from swarmbus.storage.database import Database


def this_host() -> str:
    """The name GUI agents default to: the machine whose mouse they need."""
    return socket.gethostname()


def registration(agent: AgentConfig) -> Registration:
    """The columns of `agent_workspaces` that the config owns."""
    return Registration(
        agent_id=agent.name,
        team=agent.team,
        specialization=agent.specialization,
        captain=agent.captain,
        transport=agent.transport,
        host=agent.host or (this_host() if agent.transport == "gui" else None),
    )


async def sync(db: Database, swarm: Swarm) -> int:
    """Make `agent_workspaces` match the config; return how many rows changed."""
    return await db.workspaces.sync([registration(a) for a in swarm.config.agents])


async def listing(db: Database, swarm: Swarm) -> list[AgentWorkspace]:
    """Sync, then return the configured agents' rows in config order."""
    await sync(db, swarm)
    rows = {row.agent_id: row for row in await db.workspaces.list()}
    return [rows[agent.name] for agent in swarm.config.agents if agent.name in rows]
