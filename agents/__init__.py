"""Agents: the swarm configuration, the registry, calibration and the V2 auditor.

Nothing here imports the bus or the Discord bot.
"""

from __future__ import annotations
