"""What would be registered with Discord: the exact JSON, and a real sync against a fake API."""

from __future__ import annotations

from typing import Any

import discord

from swarmbus.agents.config import DISCORD_COMMANDS
from tests.discord.conftest import Bot
from tests.discord.harness import APP_ID, GUILD_ID

STRING, INTEGER = 3, 4  # Discord option types


def registered(bot: Any) -> dict[str, dict[str, Any]]:
    return {c.name: c.to_dict(bot.tree) for c in bot.tree.get_commands()}


def options_of(command: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {o["name"]: o for o in command.get("options", [])}


async def test_every_command_is_registered_with_a_description(driven: Bot) -> None:
    bot, _harness, _bus = driven
    commands = registered(bot)
    assert sorted(commands) == sorted(DISCORD_COMMANDS)
    for command in commands.values():
        assert command["type"] == 1  # a slash command
        assert 1 <= len(command["description"]) <= 100
        for option in command.get("options", []):
            assert 1 <= len(option["description"]) <= 100


async def test_send_options(driven: Bot) -> None:
    bot, _harness, _bus = driven
    options = options_of(registered(bot)["send"])
    assert list(options) == ["agent", "message", "priority"]
    agent, message, priority = options.values()
    assert (agent["type"], agent["required"], agent["autocomplete"]) == (STRING, True, True)
    assert (agent["min_length"], agent["max_length"]) == (1, 32)
    assert (message["type"], message["required"]) == (STRING, True)
    assert (message["min_length"], message["max_length"]) == (1, 4000)
    assert priority["required"] is False
    assert [c["value"] for c in priority["choices"]] == ["urgent", "high", "normal", "low"]


async def test_the_other_commands_options(driven: Bot) -> None:
    bot, _harness, _bus = driven
    commands = registered(bot)
    broadcast = options_of(commands["broadcast"])
    assert list(broadcast) == ["message", "priority"]
    assert broadcast["message"]["max_length"] == 4000
    retry = options_of(commands["retry"])["message_id"]
    assert (retry["type"], retry["required"], retry["autocomplete"]) == (STRING, True, True)
    assert retry["max_length"] == 32
    messages = options_of(commands["messages"])
    assert [o["required"] for o in messages.values()] == [False, False, False]
    assert messages["agent"]["autocomplete"] is True
    assert [c["value"] for c in messages["status"]["choices"]] == [
        "pending", "claimed", "retrying", "delivered", "failed", "expired",
    ]  # fmt: skip
    assert (messages["limit"]["type"], messages["limit"]["min_value"]) == (INTEGER, 1)
    assert messages["limit"]["max_value"] == 25
    for name in ("agents", "status", "health", "compliance"):
        assert options_of(commands[name]) == {}
    agent = options_of(commands["reservations"])["agent"]
    assert (agent["type"], agent["required"], agent["autocomplete"]) == (STRING, False, True)
    assert agent["max_length"] == 32


async def test_a_real_sync_sends_exactly_that_json(driven: Bot) -> None:
    bot, harness, _bus = driven
    synced = await bot.tree.sync()
    [call] = harness.rest.calls
    assert (call.method, call.path) == ("PUT", "/applications/{application_id}/commands")
    assert call.payload == list(registered(bot).values())
    assert sorted(c.name for c in synced) == sorted(DISCORD_COMMANDS)
    assert all(c.application_id == APP_ID for c in synced)


async def test_a_guild_sync_registers_in_that_guild(driven: Bot) -> None:
    bot, harness, _bus = driven
    guild = discord.Object(id=GUILD_ID)
    bot.tree.copy_global_to(guild=guild)
    synced = await bot.tree.sync(guild=guild)
    [call] = harness.rest.calls
    assert call.path == "/applications/{application_id}/guilds/{guild_id}/commands"
    assert len(synced) == len(DISCORD_COMMANDS)
