"""The `swarmbus` command line.

Each command module imports what it needs inside its functions, so that
`swarmbus send` starts quickly and `swarmbus --help` works without a display.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from swarmbus import __version__
from swarmbus.bus.cli import (
    audit,
    backup,
    care,
    copying,
    db,
    discord,
    doctor,
    gui,
    messaging,
    reading,
    reports,
    running,
    setup,
)
from swarmbus.bus.cli.common import CliState, configure_logging

app = typer.Typer(
    name="swarmbus",
    help="A durable message bus for a swarm of AI coding agents.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        print(f"swarmbus {__version__}")
        raise typer.Exit()


@app.callback()
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


app.command("init")(setup.init)
app.command("send")(messaging.send)
app.command("broadcast")(messaging.broadcast)
app.command("messages")(reading.messages)
app.command("show")(reading.show)
app.command("retry")(reading.retry)
app.command("inbox")(reading.inbox)
app.command("run")(running.run_dispatcher)
app.command("status")(running.status)
app.command("audit")(audit.audit)
app.command("resume")(gui.resume)
setup.agents_app.command("calibrate")(gui.calibrate)
setup.agents_app.command("check")(gui.check)
setup.agents_app.command("test")(gui.probe)
app.command("doctor")(doctor.doctor)
setup.agents_app.command("report")(reports.report)
db.db_app.command("check")(care.check)
db.db_app.command("backup")(backup.backup)
db.db_app.command("restore")(backup.restore)
db.db_app.command("vacuum")(care.vacuum)
db.db_app.command("analyze")(care.analyze)
db.db_app.command("reindex")(care.reindex)
db.db_app.command("prune")(care.prune)
db.db_app.command("copy")(copying.copy)
app.add_typer(setup.agents_app, name="agents")
app.add_typer(db.db_app, name="db")
app.add_typer(discord.discord_app, name="discord")


def main() -> None:
    """The console script."""
    # Agents run `swarmbus send` for every message, so start-up time counts:
    # pydantic's plugin discovery scans every installed distribution's entry
    # points (~10 ms) and no swarmbus command uses pydantic plugins. Setting the
    # variable to an empty string turns discovery back on.
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    app(prog_name="swarmbus")
