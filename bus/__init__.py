"""The bus: sending, dispatching, retrying and the transports that deliver."""

from __future__ import annotations
