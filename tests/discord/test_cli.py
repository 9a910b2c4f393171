"""`swarmbus discord run|sync` end to end, with only Discord's HTTP API faked.

The token comes from the environment only, is checked before any request,
and never shows up in output, logs or rows.
"""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import anyio
import discord
import pytest
from typer.testing import CliRunner, Result

from swarmbus.agents.config import DISCORD_COMMANDS, Swarm
from swarmbus.cli import app
from swarmbus.discord_bot import runner
from swarmbus.storage.database import open_database
from tests.conftest import write_swarm
from tests.discord.conftest import ALICE, ALLOWLIST, BOB
from tests.discord.harness import GUILD_ID, Harness, RestRecorder

TOKEN = "MTEwMDAwMDAwMDAwMDAwMDAwMg.GhXyZw.s3cr3t-t0ken-d0-n0t-l34k-abcdefghijklmno"


@pytest.fixture(autouse=True)
def _restore_logging(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The CLI configures the swarmbus and discord loggers; put them back afterwards."""
    monkeypatch.delenv("DISCORD_TOKEN", raising=False)
    saved = {
        name: (logger.handlers[:], logger.level, logger.propagate)
        for name in ("swarmbus", "discord")
        for logger in [logging.getLogger(name)]
    }
    yield
    for name, (handlers, level, propagate) in saved.items():
        logger = logging.getLogger(name)
        logger.handlers[:], logger.level, logger.propagate = handlers, level, propagate


@pytest.fixture
def api(monkeypatch: pytest.MonkeyPatch) -> RestRecorder:
    return RestRecorder().patch_class(monkeypatch)


def swarmbus(swarm: Swarm | Path, *args: str, token: str | None = TOKEN) -> Result:
    config = swarm if isinstance(swarm, Path) else swarm.path
    env = {"SWARMBUS_CONFIG": str(config), "SWARMBUS_DISCORD_TOKEN": token}
    return CliRunner().invoke(app, list(args), env=env)


@pytest.mark.parametrize(
    ("token", "line"),
    [
        (None, "error: no Discord bot token: set SWARMBUS_DISCORD_TOKEN (or DISCORD_TOKEN)"),
        ("Bot " + TOKEN, "error: SWARMBUS_DISCORD_TOKEN starts with 'Bot '; set the token alone"),
        (TOKEN[:30], "error: SWARMBUS_DISCORD_TOKEN is not a Discord bot token"),
    ],
)
@pytest.mark.parametrize("command", ["run", "sync"])
def test_an_unusable_token_is_one_line_before_any_request(
    make_swarm: Callable[..., Swarm], api: RestRecorder, command: str, token: str | None, line: str
) -> None:
    result = swarmbus(make_swarm(extra=ALLOWLIST), "discord", command, token=token)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.startswith(line)
    assert result.stderr.count("\n") == 1
    assert TOKEN[:30] not in result.stderr
    assert api.calls == []


def test_a_token_in_the_config_file_is_refused(tmp_path: Path, api: RestRecorder) -> None:
    config = write_swarm(tmp_path, extra=f'[discord]\ntoken = "{TOKEN}"\n')
    result = swarmbus(config, "discord", "run")
    assert result.exit_code == 2
    assert "the bot token is never read from the config file" in result.stderr
    assert TOKEN not in result.stderr
    assert api.calls == []


def test_run_serves_commands_and_never_leaks_the_token(
    make_swarm: Callable[..., Swarm], api: RestRecorder, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def connect(bot: Any, *, reconnect: bool = True) -> None:
        """Instead of the gateway: deliver READY and two interactions, then disconnect."""
        harness = Harness(bot)
        with harness.install():
            bot.dispatch("ready")
            await harness.invoke("status", ALICE)
            await harness.invoke("send", BOB, agent="Agent-1", message="hi")
            await harness.settle()

    monkeypatch.setattr(discord.Client, "connect", connect)
    swarm = make_swarm(extra=ALLOWLIST)
    result = swarmbus(swarm, "--verbose", "discord", "run")
    assert result.exit_code == 0, result.output
    assert result.stdout == "discord bot starting (Ctrl+C stops it)\ndiscord bot stopped\n"
    assert "warning" not in result.stderr
    assert "logging in using static token" in result.stderr  # discord.py's log reached us
    assert api.tokens[0] == TOKEN  # the token did reach Discord (GET /users/@me)
    assert [c.path for c in api.calls] == ["/users/@me", "/oauth2/applications/@me"]
    rows, systems = anyio.run(_rows, Path(swarm.database))
    assert [r["execution_status"] for r in rows] == ["success", "refused"]
    [system] = systems
    assert (system["system_name"], system["system_status"]) == ("discord", "inactive")
    for text in (result.output, json.dumps(rows), json.dumps(systems)):
        assert TOKEN not in text
        assert TOKEN.split(".")[2] not in text  # not even its secret part


def test_sync_registers_the_commands_in_a_guild(
    make_swarm: Callable[..., Swarm], api: RestRecorder
) -> None:
    result = swarmbus(make_swarm(extra=ALLOWLIST), "discord", "sync", "--guild", str(GUILD_ID))
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(f"synced {len(DISCORD_COMMANDS)} commands guild {GUILD_ID}: ")
    put = api.calls[-1]
    assert put.method == "PUT"
    assert put.path == "/applications/{application_id}/guilds/{guild_id}/commands"
    assert sorted(c["name"] for c in put.payload or []) == sorted(DISCORD_COMMANDS)
    assert TOKEN not in result.output


def test_sync_refuses_a_bad_guild_id(make_swarm: Callable[..., Swarm], api: RestRecorder) -> None:
    result = swarmbus(make_swarm(extra=ALLOWLIST), "discord", "sync", "--guild", "general")
    assert result.exit_code == 2
    assert result.stderr.startswith("error: --guild 'general': must be a Discord id")
    assert api.calls == []


def test_a_refused_login_is_one_line(make_swarm: Callable[..., Swarm], api: RestRecorder) -> None:
    def unauthorized(route: Any, payload: Any) -> Any:
        response = type("Response", (), {"status": 401, "reason": "Unauthorized"})()
        raise discord.HTTPException(response, {"message": "401: Unauthorized", "code": 0})

    api.answer = unauthorized  # type: ignore[method-assign]
    result = swarmbus(make_swarm(extra=ALLOWLIST), "discord", "sync")
    assert result.exit_code == 2
    assert result.stderr.startswith("error: Discord refused the token (401)")
    assert TOKEN not in result.output


async def _rows(path: Path) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    async with await open_database(path) as db:
        rows = [r.model_dump(mode="json") for r in await db.commands.list()]
        systems = [s.model_dump(mode="json") for s in await db.systems.list()]
    return sorted(rows, key=lambda r: r["execution_status"] != "success"), systems


def test_run_warns_when_nobody_is_allowed(
    make_swarm: Callable[..., Swarm], api: RestRecorder, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def connect(bot: Any, *, reconnect: bool = True) -> None:
        return None

    monkeypatch.setattr(discord.Client, "connect", connect)
    result = swarmbus(make_swarm(), "discord", "run")
    assert result.exit_code == 0, result.output
    assert result.stderr == (
        "warning: no users or roles in the [discord] config section: "
        "every command will be refused\n"
    )


def test_the_log_filter_blanks_the_token_out_of_any_record() -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(name)s %(message)s"))
    logging.getLogger("swarmbus").handlers[:] = [handler]
    runner.protect_logs(TOKEN, verbose=True)
    logging.getLogger("discord.gateway").info("identify with %s", TOKEN)
    try:
        raise RuntimeError(f"bad header Bot {TOKEN}")
    except RuntimeError:
        logging.getLogger("swarmbus.discord_bot").exception("login failed")
    text = stream.getvalue()
    assert "discord.gateway identify with [token redacted]" in text
    assert "RuntimeError: bad header Bot [token redacted]" in text
    assert TOKEN not in text
