"""`swarmbus discord run` and `swarmbus discord sync`: the bot and its slash commands.

The token comes only from $SWARMBUS_DISCORD_TOKEN (or $DISCORD_TOKEN) and is
checked before anything touches the network; discord.py is imported only
once a command runs.
"""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from swarmbus.cli.common import handle_errors, run, state


@handle_errors
def run_bot(ctx: typer.Context) -> None:
    """Run the bot until Ctrl+C: slash commands, command ledger, heartbeat, alerts."""
    from swarmbus.agents.discord_token import read_token
    from swarmbus.discord_bot import runner

    token = read_token()
    swarm = state(ctx).swarm()
    if not swarm.config.discord.admits_anyone():
        print(
            "warning: no users or roles in the [discord] config section: "
            "every command will be refused",
            file=sys.stderr,
        )
    runner.protect_logs(token, state(ctx).verbose)
    print("discord bot starting (Ctrl+C stops it)", flush=True)
    run(runner.run_bot, swarm, token)
    print("discord bot stopped")


@handle_errors
def sync(
    ctx: typer.Context,
    guild: Annotated[
        str | None,
        typer.Option(
            help="Register in this guild id only, which is instant (default: guild_id "
            "of the discord config section, else globally)."
        ),
    ] = None,
) -> None:
    """Register the slash commands with Discord (after install or upgrade)."""
    from swarmbus.agents.discord_token import read_token
    from swarmbus.discord_bot import runner

    token = read_token()
    swarm = state(ctx).swarm()
    guild_id = _guild_id(guild) or swarm.config.discord.guild_id
    runner.protect_logs(token, state(ctx).verbose)
    names = run(runner.sync_commands, swarm, token, guild_id)
    where = f"guild {guild_id}" if guild_id else "globally (may take a while to show up)"
    print(f"synced {len(names)} commands {where}: {', '.join('/' + n for n in names)}")


def _guild_id(value: str | None) -> int | None:
    from swarmbus import errors
    from swarmbus.agents.config import check_snowflake

    if value is None:
        return None
    try:
        return check_snowflake(value)
    except ValueError as exc:
        raise errors.UsageError(f"--guild {value!r}: {exc}") from None
