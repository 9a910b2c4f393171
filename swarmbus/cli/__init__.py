"""The `swarmbus` command line.

Each command module imports what it needs inside its functions, so that
`swarmbus --help` works without a display. `main` goes further: it imports and
builds only the commands named on the command line, because agents run
`swarmbus send` for every message, and importing and building every command
cost each send ~20 ms. With no command named (`swarmbus`, `--help`, a typo) it
builds them all.
"""

from __future__ import annotations

import functools
import importlib
import os
import sys
from collections.abc import Callable, Collection
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer

from swarmbus import __version__
from swarmbus.cli.common import CliState, configure_logging, exit_now
from swarmbus.printable import visible

try:  # typer 0.2x carries its own copy of click
    from typer._click import exceptions as click_errors
except ImportError:  # pragma: no cover - older typer, on the click distribution
    from click import exceptions as click_errors  # type: ignore[no-redef]

# Ctrl+C at a prompt; typer 0.2x's own click copy has no Abort, the click distribution does.
_ABORTS: tuple[type[BaseException], ...] = (
    typer.Abort,
    *((click_errors.Abort,) if hasattr(click_errors, "Abort") else ()),
)

# Each command's name and where it lives ("module:function" in this package), in help order.
COMMANDS: dict[str, str] = {
    "init": "setup:init",
    "send": "messaging:send",
    "broadcast": "messaging:broadcast",
    "reply": "conversations:reply",
    "messages": "reading:messages",
    "show": "reading:show",
    "thread": "conversations:thread",
    "read": "receipts:read",
    "ack": "receipts:ack",
    "search": "search:search",
    "retry": "reading:retry",
    "inbox": "reading:inbox",
    "run": "running:run_dispatcher",
    "status": "running:status",
    "reserve": "reserving:reserve",
    "renew": "reserving:renew",
    "release": "reserving:release",
    "force-release": "reserving:force_release",
    "reservations": "reserving:reservations",
    "audit": "audit:audit",
    "resume": "gui:resume",
    "doctor": "doctor:doctor",
    "web": "web:web",
}
GROUPS: dict[str, tuple[str, dict[str, str]]] = {
    "agents": (
        "List and configure the agents of the swarm.",
        {
            "list": "setup:agents_list",
            "import-coordinates": "setup:import_coordinates",
            "calibrate": "gui:calibrate",
            "check": "gui:check",
            "test": "gui:probe",
            "report": "reports:report",
        },
    ),
    "db": (
        "Inspect and look after the database.",
        {
            "status": "db:db_status",
            "check": "care:check",
            "backup": "backup:backup",
            "restore": "backup:restore",
            "vacuum": "care:vacuum",
            "analyze": "care:analyze",
            "reindex": "care:reindex",
            "prune": "care:prune",
            "copy": "copying:copy",
        },
    ),
    "guard": (
        "The git pre-commit hook that refuses commits touching others' reservations.",
        {"install": "guard:install", "uninstall": "guard:uninstall"},
    ),
    "discord": (
        "Run the Discord bot and register its slash commands.",
        {"run": "discord:run_bot", "sync": "discord:sync"},
    ),
    "mcp": (
        "Serve the swarm to an agent's MCP client (without a subcommand; stdio, or --http).",
        {"config": "mcp:config"},
    ),
}
# Groups that do something themselves when no subcommand follows: group -> its callback.
GROUP_CALLBACKS: dict[str, str] = {"mcp": "mcp:serve"}
HELP_FLAGS = ("-h", "--help")


def _version(value: bool) -> None:
    if value:
        print(f"swarmbus {__version__}")
        raise typer.Exit()


def main_options(
    ctx: typer.Context,
    config: Annotated[
        Path | None,
        typer.Option(
            "--config",
            "-c",
            envvar="SWARMBUS_CONFIG",
            help="The swarm config (default: ./swarmbus.toml).",
        ),
    ] = None,
    db_location: Annotated[
        str | None,
        typer.Option("--db", envvar="SWARMBUS_DB", help="The database, overriding the config."),
    ] = None,
    verbose: Annotated[
        bool, typer.Option("--verbose", "-v", help="Log details and tracebacks.")
    ] = False,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version.")
    ] = False,
) -> None:
    """A durable message bus for a swarm of AI coding agents."""
    configure_logging(verbose)
    ctx.obj = CliState(config=config, db=db_location, verbose=verbose)


def _typer(**options: Any) -> typer.Typer:
    settings: dict[str, Any] = {
        "no_args_is_help": True,
        "add_completion": False,
        "pretty_exceptions_enable": False,
        "context_settings": {"help_option_names": list(HELP_FLAGS)},
    }
    return typer.Typer(**(settings | options))


def _group(name: str, help_text: str) -> typer.Typer:
    """A command group; one with a callback runs it when no subcommand is named."""
    if name not in GROUP_CALLBACKS:
        return _typer(help=help_text)
    group = _typer(help=help_text, no_args_is_help=False, invoke_without_command=True)
    group.callback()(_function(GROUP_CALLBACKS[name]))
    return group


def _function(target: str) -> Callable[..., Any]:
    module, name = target.split(":")
    return getattr(importlib.import_module(f"{__name__}.{module}"), name)


def build_app(names: Collection[str] | None = None) -> typer.Typer:
    """The command line with every command, or only the top-level ones in `names`."""
    app = _typer(name="swarmbus", help="A durable message bus for a swarm of AI coding agents.")
    app.callback()(main_options)
    for name, target in COMMANDS.items():
        if names is None or name in names:
            app.command(name)(_function(target))
    for name, (help_text, commands) in GROUPS.items():
        if names is None or name in names:
            group = _group(name, help_text)
            for command, target in commands.items():
                group.command(command)(_function(target))
            app.add_typer(group, name=name)
    return app


def needed(args: list[str]) -> set[str] | None:
    """The top-level commands `args` may run; None (all of them) when unsure.

    Every argument that names a command counts, so options before the command
    (`--db send send …`) only add commands, never miss the one that runs.
    """
    names = {arg for arg in args if arg in COMMANDS or arg in GROUPS}
    if not names or any(arg in HELP_FLAGS for arg in args):
        return None
    return names


@functools.cache
def _whole_app() -> typer.Typer:
    return build_app()


def __getattr__(name: str) -> typer.Typer:
    if name == "app":  # the whole command line, for tests and embedding
        return _whole_app()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def execute(args: list[str]) -> int | str | None:
    """Run the command line on `args`; return the exit status it ends with.

    click's own errors (an unknown option or command, a value of the wrong type
    or out of range, a missing argument) become one `error:` line and exit 2,
    as every swarmbus error does, instead of click's usage box.
    """
    try:
        status = build_app(needed(args))(args, prog_name="swarmbus", standalone_mode=False)
    except SystemExit as done:
        return done.code
    except click_errors.NoArgsIsHelpError as shown:  # `swarmbus`, `swarmbus db`: the help
        shown.show()
        return shown.exit_code
    except click_errors.UsageError as exc:
        print(f"error: {visible(usage_line(exc))}", file=sys.stderr)
        return exc.exit_code
    except click_errors.ClickException as exc:
        print(f"error: {visible(' '.join(exc.format_message().split()))}", file=sys.stderr)
        return exc.exit_code
    except _ABORTS:
        print("error: aborted", file=sys.stderr)
        return 1
    return status if isinstance(status, int) else 0


def usage_line(exc: Any) -> str:
    """click's message on one line, with what is allowed and where the help is."""
    message = " ".join(exc.format_message().split()).rstrip(".")
    message = message[:1].lower() + message[1:]
    ctx = exc.ctx
    if ctx is None:
        return message
    if isinstance(exc, click_errors.NoSuchOption) and not exc.possibilities:
        options = [o for p in ctx.command.params for o in p.opts if o.startswith("--")]
        message += f"; {ctx.command_path} takes {', '.join([*options, '--help'])}"
    elif message.startswith("no such command") and "Did you mean" not in message:
        message += f"; the commands are {', '.join(ctx.command.list_commands(ctx))}"
    return f"{message} (see '{ctx.command_path} --help')"


def main() -> NoReturn:
    """The console script."""
    # Agents run `swarmbus send` for every message, so start-up time counts:
    # pydantic's plugin discovery scans every installed distribution's entry
    # points (~10 ms) and no swarmbus command uses pydantic plugins. Setting the
    # variable to an empty string turns discovery back on.
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    exit_now(execute(sys.argv[1:]))
