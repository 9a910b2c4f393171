"""agent_messages refuses the same bad values on both backends, wherever the rule is held:
a CHECK of the table (SQLite, and PostgreSQL's rules that tie two columns together) or
the column's domain (PostgreSQL's one-column rules, migration 0017)."""

from __future__ import annotations

from typing import Any

import pytest

from swarmbus import errors
from swarmbus.bus.api import Bus

pytestmark = pytest.mark.parametrize("backend", ["sqlite", "postgres"], indirect=True)

BAD_VALUES: list[tuple[str, Any]] = [
    ("from_agent", "x" * 65),
    ("priority", "whenever"),
    ("tags", '{"not": "a list"}'),
    ("status", "lost"),
    ("pyautogui_coordinates", "[1, 2]"),
    ("delivery_method", "carrier_pigeon"),
    ("delivery_status", "lost"),
    ("retry_count", -1),
    ("max_retries", -1),
    ("delivery_time_ms", -1),
    ("coordinate_validation_status", "probably"),
    ("idempotency_key", ""),
    ("ack_note", "noted, though nobody acknowledged it"),
    ("subject", ""),
    ("content", ""),
]


@pytest.mark.parametrize(("column", "value"), BAD_VALUES, ids=[c for c, _ in BAD_VALUES])
async def test_a_bad_value_is_refused_and_the_row_kept(bus: Bus, column: str, value: Any) -> None:
    sent = await bus.send("person", "Agent-1", "hello")
    with pytest.raises(errors.ConstraintViolation):
        await bus.db.connector.execute(
            f"UPDATE agent_messages SET {column} = :value WHERE message_id = :id",
            {"value": value, "id": sent},
        )
    row = await bus.db.connector.fetch_one(
        "SELECT content, delivery_status FROM agent_messages WHERE message_id = :id",
        {"id": sent},
    )
    assert row == {"content": "hello", "delivery_status": "pending"}
