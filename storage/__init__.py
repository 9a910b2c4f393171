"""Persistence: the connector to the database, migrations, and one repository per table.

Nothing here imports the bus, the agents package or the Discord bot.
"""

from __future__ import annotations
