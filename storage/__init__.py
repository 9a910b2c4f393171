"""Persistence: the connector to the database, migrations, and one repository per table.

It writes and reads the domain model (`swarmbus.model`) and imports nothing
above it: not the agents package, the bus, its transports or any face.
"""

from __future__ import annotations
