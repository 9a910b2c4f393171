"""Where the database's writes stand: a value that moves whenever someone commits.

A face that keeps a view open (the web dashboard) reads it again and again and
refreshes what it shows when it moves. SQLite: `PRAGMA data_version`, which
changes when another connection commits (this connection's own commits are
announced, and so wake the watcher anyway). PostgreSQL: the server's
write-ahead-log position, which moves with every write on the server, other
databases' included: a false alarm costs one refresh, and nothing is missed.
"""

from __future__ import annotations

from swarmbus.storage import queries as sql
from swarmbus.storage.connector import Connector


async def write_position(connector: Connector) -> object:
    """The current write position (compare it with an earlier reading, nothing more)."""
    row = await connector.fetch_one(sql.load(connector.dialect)["write_position"])
    return None if row is None else next(iter(row.values()))
