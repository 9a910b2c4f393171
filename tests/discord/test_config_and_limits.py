"""The `[discord]` config section, and replies staying inside Discord's size limits."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import discord
import pytest

from swarmbus import errors
from swarmbus.agents import config as swarm_config
from swarmbus.agents.config import Allowlist, DiscordConfig
from swarmbus.bus.status import SystemLine
from swarmbus.discord_bot import embeds
from swarmbus.discord_bot.text import CONTENT_LIMIT, ago, clip, fit_lines
from swarmbus.model import timefmt
from swarmbus.model.messages import Message
from tests.discord.conftest import ALICE, ledger

AGENT = '[[agents]]\nname = "Agent-1"\n'


def parse(discord_section: str) -> DiscordConfig:
    text = discord_section + "\n" + AGENT
    return swarm_config.parse(text, Path("swarmbus.toml"), env={}).config.discord


def test_no_section_means_nobody_is_allowed() -> None:
    config = parse("")
    assert config == DiscordConfig()
    assert config.allowlist("send") == [Allowlist()]
    assert not any(a.admits(ALICE.user_id, [1]) for a in config.allowlist("status"))


def test_ids_may_be_numbers_or_strings_of_digits() -> None:
    config = parse('[discord]\nusers = [123456789012345678, "223456789012345678"]\n')
    assert config.users == [123456789012345678, 223456789012345678]


@pytest.mark.parametrize(
    ("section", "message"),
    [
        (
            '[discord]\nusers = ["@alice"]\n',
            "swarmbus.toml: discord.users[1] = '@alice': must be a Discord id",
        ),
        (
            "[discord]\nroles = [-5]\n",
            "swarmbus.toml: discord.roles[1] = -5: must be a Discord id",
        ),
        (
            '[discord]\ntoken = "abc.def.ghi"\n',
            "swarmbus.toml: discord: the bot token is never read from the config file",
        ),
        (
            "[discord.commands.sned]\nusers = [1]\n",
            "swarmbus.toml: discord.commands.sned",
        ),
        (
            "[discord]\noutcome_timeout_seconds = 0\n",
            "swarmbus.toml: discord.outcome_timeout_seconds = 0",
        ),
    ],
)
def test_bad_discord_settings_are_one_line(section: str, message: str) -> None:
    with pytest.raises(errors.ConfigError) as caught:
        parse(section)
    assert str(caught.value).startswith(message)
    assert "\n" not in str(caught.value)
    assert "abc.def.ghi" not in str(caught.value)


def test_readers_widen_only_the_read_only_commands() -> None:
    config = parse("[discord]\nusers = [1]\n[discord.readers]\nroles = [7]\n")
    reader_roles = [7]
    for command in ("agents", "status", "health", "messages", "compliance", "reservations"):
        assert any(a.admits(99, reader_roles) for a in config.allowlist(command))
    for command in ("send", "broadcast", "retry"):
        assert not any(a.admits(99, reader_roles) for a in config.allowlist(command))
        assert any(a.admits(1, []) for a in config.allowlist(command))


def test_text_helpers() -> None:
    assert clip("abcdef", 4) == "abc…"
    assert clip("abc", 4) == "abc"
    assert ago(42) == "42s"
    assert ago(7 * 60 + 5) == "7m"
    assert ago(3 * 3600) == "3h"
    assert ago(2 * 86400 + 1) == "2d"
    lines = [f"line {n:02d}" for n in range(10)]
    assert fit_lines(lines, 1000) == "\n".join(lines)
    cut = fit_lines(lines, 40, "more messages")
    assert len(cut) <= 40
    assert cut.splitlines() == ["line 00", "line 01", "… and 8 more messages"]


def test_a_long_message_list_is_cut_with_a_count() -> None:
    now = timefmt.utcnow()
    listed = [_message(n, "x" * 500) for n in range(25)]
    embed = embeds.messages_embed(listed, "", now)
    assert len(embed) <= 6000
    assert embed.description is not None
    assert len(embed.description) <= 4096
    last = embed.description.splitlines()[-1]
    shown = embed.description.count("\n> ")
    assert last == f"… and {25 - shown} more messages"
    assert 0 < shown < 25


def test_many_systems_fit_in_one_embed_with_a_count() -> None:
    systems = [
        SystemLine(f"messaging@host-{n:02d}", "messaging", "active", 99.0, 0, 3.0, False, "d" * 200)
        for n in range(40)
    ]
    embed = embeds.health_embed(systems)
    assert len(embed.fields) <= 25
    assert len(embed) <= 6000
    assert embed.footer.text == f"… and {40 - len(embed.fields)} more systems"


async def test_a_reply_longer_than_discord_allows_is_clipped(
    make_bot: Callable[..., Any],
) -> None:
    names = [f"Agent-with-a-long-name-{n:03d}" for n in range(80)]
    async with make_bot(agents=names) as (_bot, harness, bus):
        reply = await harness.invoke("send", ALICE, agent="Nobody", message="hi")
        content = reply.first.content or ""
        assert len(content) == CONTENT_LIMIT
        assert content.startswith("unknown agent 'Nobody'; configured agents: Agent-with-a-long")
        assert content.endswith("…")
        [row] = await ledger(bus)
        assert row.discord_bot_response == content


def test_the_bot_asks_for_no_privileged_intent() -> None:
    from swarmbus.discord_bot.bot import intents

    chosen = intents()
    assert chosen.guilds
    assert chosen.value == discord.Intents(guilds=True).value
    assert not chosen.members
    assert not chosen.presences
    assert not chosen.message_content


def _message(n: int, content: str) -> Message:
    moment = timefmt.utcnow() - timedelta(minutes=n)
    return Message(
        message_id=f"01M89EGPMVXXWXS3CGNSTRA{n:03d}",
        from_agent="tester",
        to_agent="Agent-1",
        priority="normal",
        content=content,
        sent_at=moment,
        status="pending",
        delivery_status="pending",
        available_at=moment,
        created_at=moment,
    )


def test_the_readme_example_is_a_valid_discord_section() -> None:
    readme = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Discord", 1)[1]
    example = section.split("```toml\n", 1)[1].split("```", 1)[0]
    config = parse(example)
    assert config.users == [123456789012345678]
    assert config.alert_channel_id == 234567890123456789
    assert config.public_replies is False
    assert config.allowlist("send") == [Allowlist(users=[123456789012345678])]
    tunables = ("outcome_timeout_seconds", "heartbeat_seconds", "alert_poll_seconds")
    for name in (*tunables, "alert_min_interval_seconds"):
        default = DiscordConfig.model_fields[name].default
        assert re.search(rf"`{name}` \([^)]*\b{default:g}\)", section), name
