"""swarmbus: a durable message bus for a swarm of AI coding agents.

The package face is deliberately empty of imports: `import swarmbus` must stay
cheap and must work on a machine with no display.
"""

from __future__ import annotations

__version__ = "0.1.0"
__all__ = ["__version__"]
