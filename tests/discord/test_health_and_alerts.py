"""The bot's heartbeat row, the ledger riding out a locked database, and channel alerts."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from swarmbus.discord_bot.context import BotOptions
from swarmbus.discord_bot.heartbeat import Gateway
from swarmbus.model import timefmt
from swarmbus.model.systems import SystemStatus
from tests.discord.conftest import (
    ALERT_CHANNEL,
    ALICE,
    BOB,
    Bot,
    dead_letter,
    ledger,
    write_lock,
)
from tests.discord.harness import pretend_connected


def alerts(min_interval: float = 0) -> str:
    """A `[discord]` section with an alert channel and posts at least `min_interval` s apart."""
    return (
        f"[discord]\nusers = [{ALICE.user_id}]\nalert_channel_id = {ALERT_CHANNEL}\n"
        f"alert_min_interval_seconds = {min_interval}\n"
    )


ALERTS = alerts()


async def test_heartbeat_row_of_a_bot_not_yet_connected(driven: Bot) -> None:
    bot, harness, bus = driven
    await harness.invoke("status", ALICE)
    await harness.invoke("status", BOB)
    assert await bot.heartbeat.beat()
    row = await bus.db.systems.get(bot.heartbeat.system_id)
    assert row is not None
    assert row.system_id.startswith("discord@")
    assert (row.system_name, row.system_status) == ("discord", "error")
    assert row.status_detail == "not connected to Discord (connecting or reconnecting)"
    assert row.health_score == 50.0
    metrics = row.performance_metrics or {}
    assert metrics["connected"] is False
    assert metrics["latency_ms"] is None
    assert metrics["commands_handled"] == 2
    assert metrics["commands_refused"] == 1
    assert metrics["ledger_written"] == 2
    assert row.heartbeat_interval_seconds == 15.0
    settings = row.system_configuration or {}
    assert (settings["heartbeat_seconds"], settings["allowed_users"]) == (15.0, 1)
    assert (settings["allowed_roles"], settings["readers"]) == (1, 1)
    assert settings["public_replies"] is False


async def test_heartbeat_row_of_a_connected_bot(driven: Bot) -> None:
    bot, harness, bus = driven
    harness.cache_guild(())
    pretend_connected(bot, latency=0.0421)
    assert bot.gateway() == Gateway(True, 42.1, 1, "swarmbus")
    await bot.heartbeat.beat()
    row = await bus.db.systems.get(bot.heartbeat.system_id)
    assert row is not None
    assert (row.system_status, row.health_score, row.error_count) == ("active", 100.0, 0)
    assert row.status_detail == "connected as swarmbus, latency 42 ms, guilds: 1"
    assert (row.performance_metrics or {})["latency_ms"] == 42.1
    await bot.heartbeat.beat("inactive")
    stopped = await bus.db.systems.get(bot.heartbeat.system_id)
    assert stopped is not None
    assert (stopped.system_status, stopped.status_detail) == ("inactive", "stopped")


async def test_the_gateway_snapshot_of_an_offline_client(driven: Bot) -> None:
    bot, _harness, _bus = driven
    assert bot.gateway() == Gateway(connected=False, latency_ms=None, guilds=0, user="swarmbus")
    assert Gateway.latency(float("nan")) is None


async def test_a_locked_database_delays_the_row_but_fails_nothing(
    make_bot: Callable[..., Any],
) -> None:
    fast_busy = "[database]\nbusy_timeout_ms = 20\n"
    async with make_bot(discord=fast_busy + _allow_alice()) as (bot, harness, bus):
        with write_lock(bus.db.location):
            reply = await harness.invoke("messages", ALICE)  # reads only: WAL lets it through
            assert reply.embed["title"] == "Messages"  # the user got the answer
            assert bot.context.ledger.pending == 1
            assert bot.context.ledger.failures >= 1
            assert await ledger(bus) == []
            assert not await bot.heartbeat.beat()  # the heartbeat cannot write either
        assert await bot.heartbeat.beat()  # flushes the waiting row, then beats
        [row] = await ledger(bus)
        assert (row.command_name, row.execution_status) == ("messages", "success")
        assert bot.context.ledger.pending == 0
        system = await bus.db.systems.get(bot.heartbeat.system_id)
        assert system is not None
        assert (system.performance_metrics or {})["ledger_failures"] >= 1
        assert system.error_count >= 1


async def test_a_dead_letter_is_announced_once(make_bot: Callable[..., Any]) -> None:
    async with make_bot(discord=ALERTS) as (bot, harness, bus):
        message_id = await dead_letter(bus, "Agent-2", "doomed")
        assert await bot.alerts.poll() == 1
        assert await bot.alerts.poll() == 0
        [post] = harness.rest.calls
        assert (post.method, post.path) == ("POST", "/channels/{channel_id}/messages")
        assert post.payload is not None
        assert post.payload["content"] == (
            f"⚠️ Dead letter `{message_id}` for Agent-2 after 4 attempts: window closed"
        )
        await bus.retry(message_id)
        await dead_letter(bus, "Agent-3", "another")  # fails message_id again, too
        assert await bot.alerts.poll() == 1
        assert len(harness.rest.calls) == 2
        assert message_id not in (harness.rest.calls[1].payload or {})["content"]
        assert bot.context.stats.alerts_posted == 2


async def test_a_stale_system_is_announced_once_until_it_recovers(
    make_bot: Callable[..., Any],
) -> None:
    async with make_bot(discord=ALERTS) as (bot, harness, bus):
        old = timefmt.utcnow() - timedelta(minutes=10)
        stale = SystemStatus(
            system_id="messaging@desk",
            system_name="messaging",
            system_status="active",
            last_health_check=old,
        )
        await bus.db.systems.heartbeat(stale)
        assert await bot.alerts.poll() == 1
        assert await bot.alerts.poll() == 0
        text = (harness.rest.calls[0].payload or {})["content"]
        assert text == (
            "⚠️ System messaging `messaging@desk` is stale: last heartbeat 10m ago (active)"
        )
        fresh = stale.model_copy(update={"last_health_check": timefmt.utcnow()})
        await bus.db.systems.heartbeat(fresh)
        assert await bot.alerts.poll() == 0
        await bus.db.systems.heartbeat(stale)
        assert await bot.alerts.poll() == 1


async def test_alerts_are_rate_limited_and_kept_until_they_can_go(
    make_bot: Callable[..., Any],
) -> None:
    now = [1000.0]
    async with make_bot(discord=alerts(min_interval=60)) as running:
        bot, harness, bus = running
        bot.alerts._clock = lambda: now[0]
        await dead_letter(bus, "Agent-1", "first")
        assert await bot.alerts.poll() == 1
        await dead_letter(bus, "Agent-2", "second")
        await dead_letter(bus, "Agent-3", "third")
        assert await bot.alerts.poll() == 0  # too soon after the last post
        now[0] += 60
        assert await bot.alerts.poll() == 2  # both in one post
        assert len(harness.rest.calls) == 2
        assert (harness.rest.calls[1].payload or {})["content"].count("Dead letter") == 2


async def test_a_failed_post_is_counted_and_tried_again(make_bot: Callable[..., Any]) -> None:
    async with make_bot(discord=ALERTS) as (bot, harness, bus):
        real = harness.rest.answer

        def refuse(route: Any, payload: Any) -> Any:
            raise OSError("network down")

        harness.rest.answer = refuse  # type: ignore[method-assign]
        await dead_letter(bus)
        assert await bot.alerts.poll() == 0
        assert bot.context.stats.alert_failures == 1
        harness.rest.answer = real  # type: ignore[method-assign]
        assert await bot.alerts.poll() == 1


async def test_services_start_with_the_bot_and_stop_inactive(
    make_bot: Callable[..., Any],
) -> None:
    options = BotOptions(services=True, system_id="discord@test")
    async with make_bot(discord=ALERTS, options=options) as (bot, _harness, bus):
        services = list(bot._services)
        assert sorted(t.get_name() for t in services) == ["alerts", "discord heartbeat"]
        await bot.close()
        assert all(t.cancelled() for t in services)
        row = await bus.db.systems.get("discord@test")
        assert row is not None
        assert row.system_status == "inactive"


def _allow_alice() -> str:
    return f"[discord]\nusers = [{ALICE.user_id}]\n"
