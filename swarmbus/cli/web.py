"""`swarmbus web`: serve the live dashboard (the optional `swarmbus[web]` extra)."""

from __future__ import annotations

import importlib
import importlib.util
import os
from collections.abc import Callable
from typing import Annotated, Any

import typer

from swarmbus import errors
from swarmbus.cli.common import handle_errors, run, state

INSTALL_HINT = "pip install 'swarmbus[web]'"
EXTRA_MODULES = ("starlette", "jinja2", "sse_starlette", "uvicorn", "multipart")


def require_extra() -> None:
    """Refuse in one line when the web extra is not installed."""
    missing = []
    for module in EXTRA_MODULES:
        try:
            importlib.import_module(module)
        except ImportError:
            missing.append(module)
    if missing:
        raise errors.UsageError(
            f"the web dashboard needs {', '.join(missing)}; install it with: {INSTALL_HINT}"
        )


@handle_errors
def web(
    ctx: typer.Context,
    host: Annotated[
        str,
        typer.Option(
            help="The address to listen on; anything but loopback needs SWARMBUS_WEB_TOKEN."
        ),
    ] = "127.0.0.1",
    port: Annotated[
        int, typer.Option(min=0, max=65535, help="The TCP port (0: any free one).")
    ] = 8780,
    allow_host: Annotated[
        list[str] | None,
        typer.Option("--allow-host", help="A DNS name the dashboard answers to; repeat for more."),
    ] = None,
    mcp: Annotated[
        bool | None,
        typer.Option(
            "--mcp/--no-mcp",
            help="Serve each agent's MCP endpoint at /mcp/AGENT/ "
            "(default: when the mcp extra is installed).",
        ),
    ] = None,
) -> None:
    """Serve the live dashboard: agents, queues, messages, sending, the doctor."""
    _serve(state(ctx).swarm(), host, port, tuple(allow_host or ()), mcp)


def _serve(
    swarm: Any, host: str, port: int, allow_host: tuple[str, ...], mcp: bool | None = None
) -> None:
    """Check the settings and the database, bind, then serve until stopped."""
    require_extra()
    mounts = _mcp_mounts(host, allow_host) if _wants_mcp(mcp) else None
    from swarmbus.bus.opening import require_swarm_database
    from swarmbus.web import server
    from swarmbus.web.settings import TOKEN_ENV, settings_from

    settings = settings_from(
        host,
        port,
        os.environ.get(TOKEN_ENV),
        allow_host,
        swarm.config.bus.max_message_bytes,
    )
    require_swarm_database(swarm)
    try:
        sock = server.listen(settings)
    except OSError as exc:
        raise errors.UsageError(
            f"cannot listen on {host}:{port}: {exc.strerror or exc}; "
            f"choose another --port or --host"
        ) from None
    login = "with a login" if settings.login_required else "no login: loopback only"
    print(f"swarmbus web on {server.address(sock)} ({login}); Ctrl+C stops it", flush=True)
    if mounts is not None:
        print(f"MCP for each agent at {server.address(sock)}mcp/AGENT/", flush=True)
    run(server.serve, swarm, settings, sock, mounts)


def _wants_mcp(asked: bool | None) -> bool:
    """--mcp needs the extra (one line without it); by default it is served when installed."""
    if asked is False:
        return False
    if importlib.util.find_spec("mcp") is not None:
        return True
    if asked:
        raise errors.UsageError(
            "--mcp needs the mcp package; install it with: pip install 'swarmbus[mcp]'"
        )
    return False


def _mcp_mounts(host: str, allow_host: tuple[str, ...]) -> Callable[[Any], list[tuple[str, Any]]]:
    """What serves every configured agent's MCP server at /mcp/AGENT/ once the bus is open,
    each built on its first request. The dashboard's front door (Host, login, body size)
    comes first; the token is the dashboard's own, so each endpoint gets none of its own."""
    from swarmbus.mcp.endpoints import swarm_endpoints

    def mounts(bus: Any) -> list[tuple[str, Any]]:
        return [("/mcp", swarm_endpoints(bus, host, allow_host))]

    return mounts
