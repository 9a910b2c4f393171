from __future__ import annotations

from swarmbus.bus.cli import main

main()
