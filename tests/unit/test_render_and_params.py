from __future__ import annotations

from datetime import timedelta

import pytest

from swarmbus import errors
from swarmbus.cli.params import parse_duration, parse_since
from swarmbus.model import render, timefmt
from swarmbus.model.messages import Message
from swarmbus.storage.queries import load, parse_queries

BODIES = [
    "hello",
    "line one\n\n  indented\n\ttabbed\n",
    "--- looks like front matter ---\n---\n",
    "accents é ü, CJK 漢字, emoji 🚀👩‍💻, dash —, quotes “ ”",
    "/slash command\n!bang",
]


def _message(body: str) -> Message:
    now = timefmt.utcnow()
    return Message(
        message_id="01M89D8N4X0G0Z1WMBWK43E6TB",
        from_agent="Agent-1",
        to_agent="Agent-2",
        priority="high",
        tags=["a", "b"],
        content=body,
        sent_at=now,
        status="pending",
        delivery_status="claimed",
        available_at=now,
        created_at=now,
    )


@pytest.mark.parametrize("body", BODIES)
def test_inbox_document_keeps_the_body_exactly(body: str) -> None:
    header, parsed = render.parse_inbox_document(render.inbox_document(_message(body)))
    assert parsed == body
    assert header["id"] == "01M89D8N4X0G0Z1WMBWK43E6TB"
    assert header["from"] == "Agent-1"
    assert header["tags"] == ["a", "b"]


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("90", 90),
        ("90s", 90),
        ("15m", 900),
        ("2h", 7200),
        ("30d", 2_592_000),
        ("1w", 604_800),
        ("1.5h", 5400),
        ("250ms", 0.25),
    ],
)
def test_durations(text: str, seconds: float) -> None:
    assert parse_duration(text) == timedelta(seconds=seconds)


@pytest.mark.parametrize("text", ["", "abc", "10 years", "-5m", "0", "5x"])
def test_bad_durations_name_the_value(text: str) -> None:
    with pytest.raises(errors.UsageError, match=f"'{text}' is not allowed"):
        parse_duration(text)


@pytest.mark.parametrize(
    "text", ["99999999999999w", "9" * 400 + "d", "3651d", "0.0001s", "1" + "0" * 309]
)
def test_durations_out_of_range_name_the_range(text: str) -> None:
    with pytest.raises(errors.UsageError, match=r"is not allowed; .* from 1ms to 3650d$"):
        parse_duration(text)


def test_a_duration_range_of_the_caller() -> None:
    assert parse_duration("365d", maximum=timedelta(days=365)) == timedelta(days=365)
    with pytest.raises(errors.UsageError, match=r"'366d' is not allowed; .* from 1ms to 365d"):
        parse_duration("366d", maximum=timedelta(days=365))


@pytest.mark.parametrize(
    "text",
    ["0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00", "1969-12-31T23:59:59Z"],
)
def test_since_out_of_range_is_a_usage_error(text: str) -> None:
    with pytest.raises(errors.UsageError, match="from 1970-01-01 to 9999-01-01"):
        parse_since(text)


def test_since_as_a_huge_duration_names_the_duration_range() -> None:
    with pytest.raises(errors.UsageError, match="from 1ms to 3650d"):
        parse_since("9" * 30)


def test_since_accepts_durations_and_iso_times() -> None:
    assert abs((timefmt.utcnow() - parse_since("10m")).total_seconds() - 600) < 5
    assert timefmt.to_text(parse_since("2026-01-02T03:04:05Z")) == "2026-01-02T03:04:05.000Z"
    with pytest.raises(errors.UsageError, match="--since 'yesterday'"):
        parse_since("yesterday")


def test_time_text_is_fixed_width_and_sortable() -> None:
    early, late = timefmt.utcnow(), timefmt.utcnow() + timedelta(milliseconds=1)
    assert len(timefmt.to_text(early)) == 24
    assert timefmt.to_text(early) < timefmt.to_text(late)
    assert timefmt.from_text(timefmt.to_text(early)) == early


def test_query_files_parse_and_reject_duplicates() -> None:
    assert "claim_messages" in load("sqlite")
    with pytest.raises(ValueError, match="twice"):
        parse_queries("-- name: a\n-- x\nSELECT 1;\n-- name: a\n-- y\nSELECT 2;")


# Queries only one dialect needs: SQLite's file-level backup steps, and the
# PostgreSQL statements for what SQLite does outside SQL (its wake-up socket,
# its file size).
DIALECT_ONLY = {
    "sqlite": {"begin_snapshot", "end_snapshot", "journal_mode_delete"},
    # send_messages: PostgreSQL's one-statement send (SQLite's is one hop already)
    "postgres": {"announce_messages", "database_size", "send_messages"},
}


def test_both_dialects_define_the_same_queries() -> None:
    sqlite, postgres = set(load("sqlite")), set(load("postgres"))
    assert sqlite - postgres == DIALECT_ONLY["sqlite"]
    assert postgres - sqlite == DIALECT_ONLY["postgres"]


# Parameters only one dialect's form of a query needs (the caller passes them to both):
# PostgreSQL's search looks for its candidates in the newest :window messages first,
# because a GIN index cannot hand matches out newest first as FTS5 does.
# PostgreSQL's settle may commit without waiting for the disk (SQLite's never waits with
# synchronous=NORMAL, and always does with FULL).
DIALECT_ONLY_PARAMETERS = {
    ("search_messages", "postgres"): {"window"},
    ("mark_delivered", "postgres"): {"durable"},
    ("mark_delivered_keeping_coordinates", "postgres"): {"durable"},
}


def test_both_dialects_take_the_same_parameters() -> None:
    import re

    for name in set(load("sqlite")) & set(load("postgres")):
        names = [
            set(re.findall(r"(?<!:):([a-z_]+)", load(d)[name]))
            - DIALECT_ONLY_PARAMETERS.get((name, d), set())
            for d in ("sqlite", "postgres")
        ]
        assert names[0] == names[1], name
