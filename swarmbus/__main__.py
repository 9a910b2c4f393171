from __future__ import annotations

from swarmbus.cli import main

main()
