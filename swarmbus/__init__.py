"""swarmbus: a durable message bus for a swarm of AI coding agents.

The Python API: `open_bus()` opens the swarm of `./swarmbus.toml` (or
`$SWARMBUS_CONFIG`) and returns a `Bus`, whose methods are what every face
(the CLI, the Discord bot) offers. The names below are loaded on first use, so
`import swarmbus` stays cheap and works on a machine with no display.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

__all__ = [
    "Acknowledgement",
    "Broadcast",
    "Bus",
    "BusError",
    "ConfigError",
    "DatabaseBusy",
    "DatabaseMissing",
    "DatabaseUnavailable",
    "DeliveryStatus",
    "IdempotencyConflict",
    "Inbox",
    "InvalidMessage",
    "InvalidSearch",
    "Message",
    "NotInThread",
    "NotRecipient",
    "Priority",
    "Reply",
    "SchemaTooNew",
    "SearchFailed",
    "SearchFilters",
    "SearchHit",
    "SearchResult",
    "StorageError",
    "Thread",
    "UnknownAgent",
    "UnknownMessage",
    "UsageError",
    "__version__",
    "open_bus",
]

# Where each public name lives; it is imported from there on first use.
_HOMES = {
    "swarmbus.bus.api": ("Bus", "Broadcast"),
    "swarmbus.bus.opening": ("open_bus",),
    "swarmbus.model.messages": ("Message", "Priority", "DeliveryStatus"),
    "swarmbus.model.conversations": (
        "Acknowledgement",
        "Inbox",
        "Reply",
        "SearchFilters",
        "SearchHit",
        "SearchResult",
        "Thread",
    ),
    "swarmbus.errors": (
        "BusError",
        "UsageError",
        "ConfigError",
        "InvalidMessage",
        "UnknownAgent",
        "UnknownMessage",
        "IdempotencyConflict",
        "NotInThread",
        "NotRecipient",
        "InvalidSearch",
        "StorageError",
        "SearchFailed",
        "DatabaseBusy",
        "DatabaseUnavailable",
        "DatabaseMissing",
        "SchemaTooNew",
    ),
}
_EXPORTS = {name: module for module, names in _HOMES.items() for name in names}

if TYPE_CHECKING:
    from swarmbus.bus.api import Broadcast, Bus
    from swarmbus.bus.opening import open_bus
    from swarmbus.errors import (
        BusError,
        ConfigError,
        DatabaseBusy,
        DatabaseMissing,
        DatabaseUnavailable,
        IdempotencyConflict,
        InvalidMessage,
        InvalidSearch,
        NotInThread,
        NotRecipient,
        SchemaTooNew,
        SearchFailed,
        StorageError,
        UnknownAgent,
        UnknownMessage,
        UsageError,
    )
    from swarmbus.model.conversations import (
        Acknowledgement,
        Inbox,
        Reply,
        SearchFilters,
        SearchHit,
        SearchResult,
        Thread,
    )
    from swarmbus.model.messages import DeliveryStatus, Message, Priority


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # once loaded, plain attribute access
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
