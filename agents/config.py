"""The swarm configuration (`swarmbus.toml`): the database and every agent.

Loading validates everything up front; any problem becomes one `ConfigError`
line naming the file, the key, the bad value and what is allowed.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal, get_args

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    ValidationError,
    field_validator,
    model_validator,
)

from swarmbus import errors, fsutil
from swarmbus.agents.auditor.rules import AuditRules
from swarmbus.agents.config_errors import describe_error
from swarmbus.agents.config_paths import (
    CONFIG_ENV,
    CONFIG_FILE_NAME,
    DATABASE_ENV,
    resolve_database,
)
from swarmbus.agents.gui_settings import KeyCombo, MessageTemplate, Seconds

MAX_CONFIG_BYTES = 1 << 20  # a config of hundreds of agents takes a few tens of KiB
AGENT_NAME_RULE = "1-32 letters, digits, '_', '.' or '-', starting with a letter or digit"
_AGENT_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,31}$")


def check_agent_name(name: str) -> str:
    """Accept a short name that is safe as a file name and a Discord option."""
    if not _AGENT_NAME.fullmatch(name):
        raise ValueError(f"agent names are {AGENT_NAME_RULE}")
    return name


AgentName = Annotated[str, AfterValidator(check_agent_name)]
MAX_NUDGE_CHARS = 16 * 1024 * 1024  # nudge_over_chars: no body is longer than the byte limit
MAX_PIXEL = 1_000_000  # far beyond any desktop, however many monitors; a bigger value is a typo
Pixel = Annotated[StrictInt, Field(ge=-MAX_PIXEL, le=MAX_PIXEL)]
Transport = Literal["gui", "inbox", "memory"]


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class AgentConfig(_Section):
    """One `[[agents]]` table.

    The GUI settings (used when `transport = "gui"`) default to what suits a
    chat box that submits on Enter: paste through the clipboard, Enter, nothing
    cleared first. `clear_before_paste` is off by default because clearing
    selects everything in the box and deletes it, which silently destroys a
    draft a person was typing there; left off, such a draft is merged into (and
    sent with) the message, where it is at least visible. Turn it on for
    windows nobody types into.
    """

    name: AgentName
    transport: Transport = "inbox"
    x: Pixel | None = None
    y: Pixel | None = None
    window_title: str | None = Field(default=None, min_length=1)
    inbox: Path | None = None
    team: str = Field(default="swarm", min_length=1)
    specialization: str = Field(default="general", min_length=1)
    captain: str = Field(default="unassigned", min_length=1)
    host: str | None = Field(default=None, min_length=1)
    fallback: Literal["inbox"] | None = None  # where messages go while `transport` cannot deliver
    input_method: Literal["paste", "type"] = "paste"  # "type": keystrokes, ASCII only
    paste_key: KeyCombo | None = None  # None: ctrl+v (command+v on macOS)
    submit_key: KeyCombo = "enter"
    newline_key: KeyCombo = "shift+enter"  # between lines when typing
    clear_before_paste: StrictBool = False
    submit_delay: Seconds = 0.0  # after the text is in, before the submit key
    clipboard_restore_delay: Seconds = 0.0  # after submitting, before the old clipboard returns
    paste_timeout: float = Field(default=5.0, gt=0, le=60)  # seconds for the window to read it
    message_template: MessageTemplate | None = None  # None: render.DEFAULT_GUI_TEMPLATE
    # a message whose earlier paste was cut off (crash between paste and record):
    # "resend" pastes it again under a "may repeat" line; "hold" dead-letters it for a person
    on_uncertain: Literal["resend", "hold"] = "resend"
    # how often this agent promises to report its state (default: monitoring.agent_report_seconds)
    report_interval_seconds: float | None = Field(default=None, gt=0, le=7 * 86_400)
    # "nudge": a gui agent gets a one-line notice to read the message over MCP (fetch_inbox)
    # instead of its body; with `nudge_over_chars`, bodies up to that length are still pasted
    delivery: Literal["paste", "nudge"] = "paste"
    nudge_over_chars: StrictInt | None = Field(default=None, ge=1, le=MAX_NUDGE_CHARS)

    @model_validator(mode="after")
    def _gui_needs_a_point(self) -> AgentConfig:
        if self.transport == "gui" and (self.x is None or self.y is None):
            missing = " and ".join(k for k in ("x", "y") if getattr(self, k) is None)
            raise ValueError(f"a gui agent needs its chat-input point; {missing} missing")
        return self

    @model_validator(mode="after")
    def _nudges_are_pastes(self) -> AgentConfig:
        if self.delivery == "nudge" and self.transport != "gui":
            raise ValueError(
                f'delivery = "nudge" pastes a notice into a chat window, so it needs '
                f'transport = "gui", not {self.transport!r}; use delivery = "paste"'
            )
        if self.nudge_over_chars is not None and self.delivery != "nudge":
            raise ValueError('nudge_over_chars needs delivery = "nudge"; remove it or set that')
        return self

    def nudges(self, content: str) -> bool:
        """Whether a message with this body reaches the agent as a notice, not pasted whole."""
        if self.delivery != "nudge":
            return False
        return self.nudge_over_chars is None or len(content) > self.nudge_over_chars

    @property
    def point(self) -> tuple[int, int] | None:
        return None if self.x is None or self.y is None else (self.x, self.y)


class DatabaseConfig(_Section):
    """The `[database]` table."""

    path: str = Field(default="swarmbus.db", min_length=1)
    synchronous: Literal["normal", "full"] = "normal"
    busy_timeout_ms: StrictInt = Field(default=5000, ge=0, le=600_000)


class BusConfig(_Section):
    """The `[bus]` table: message limits, retries and leases."""

    max_message_bytes: StrictInt = Field(default=65536, ge=1, le=16 * 1024 * 1024)
    max_retries: StrictInt = Field(default=3, ge=0, le=100)
    lease_seconds: float = Field(default=30.0, gt=0, le=86_400)
    backoff_base_seconds: float = Field(default=1.0, gt=0, le=3600)
    backoff_max_seconds: float = Field(default=300.0, gt=0, le=86_400)
    backoff_jitter: float = Field(default=0.5, ge=0, le=1)
    heartbeat_seconds: float = Field(default=5.0, gt=0, le=3600)


class MonitoringConfig(_Section):
    """The `[monitoring]` table: the monitor loop inside `swarmbus run`, and agent reports."""

    interval_seconds: float = Field(default=5.0, gt=0, le=3600)  # between monitor passes
    agent_report_seconds: float = Field(default=900.0, gt=0, le=7 * 86_400)  # expected report gap


DiscordCommandName = Literal[
    "send",
    "broadcast",
    "retry",
    "reply",
    "agents",
    "status",
    "health",
    "messages",
    "thread",
    "search",
    "compliance",
    "reservations",
]
DISCORD_COMMANDS: tuple[str, ...] = get_args(DiscordCommandName)
DISCORD_READ_ONLY = (
    "agents",
    "status",
    "health",
    "messages",
    "thread",
    "search",
    "compliance",
    "reservations",
)
SNOWFLAKE_RULE = "a Discord id: a whole number (Developer Mode, right-click, Copy ID)"


def check_snowflake(value: Any) -> int:
    """Accept a Discord id as a TOML integer or a string of digits."""
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ValueError(f"must be {SNOWFLAKE_RULE}")
    if isinstance(value, str) and not value.strip().isdigit():
        raise ValueError(f"must be {SNOWFLAKE_RULE}")
    number = int(value)
    if not 0 < number < 2**64:
        raise ValueError(f"must be {SNOWFLAKE_RULE}")
    return number


Snowflake = Annotated[int, BeforeValidator(check_snowflake)]


class Allowlist(_Section):
    """Discord user ids and role ids that may use some commands."""

    users: list[Snowflake] = []
    roles: list[Snowflake] = []

    def admits(self, user_id: int, role_ids: Collection[int]) -> bool:
        return user_id in self.users or any(role in self.roles for role in role_ids)


class DiscordConfig(_Section):
    """The `[discord]` table: who may steer the swarm, and where alerts go.

    `users`/`roles` may use every command; `readers` may also use the read-only
    ones; an entry in `commands` replaces both for that one command. Nothing
    configured means every command is refused. The bot token is never read
    from this file, only from the environment. Replies are shown only to the
    invoker unless `public_replies` is set: whoever reads the channel need not
    be on any allowlist.
    """

    users: list[Snowflake] = []
    roles: list[Snowflake] = []
    readers: Allowlist = Allowlist()
    commands: dict[DiscordCommandName, Allowlist] = {}
    alert_channel_id: Snowflake | None = None
    guild_id: Snowflake | None = None  # default for `swarmbus discord sync`
    outcome_timeout_seconds: float = Field(default=30.0, gt=0, le=600)
    heartbeat_seconds: float = Field(default=15.0, gt=0, le=3600)
    alert_poll_seconds: float = Field(default=10.0, gt=0, le=3600)
    alert_min_interval_seconds: float = Field(default=30.0, ge=0, le=86_400)
    public_replies: bool = False  # True: answers are posted for the whole channel to read

    @field_validator("public_replies", mode="before")
    @classmethod
    def _true_or_false(cls, value: Any) -> Any:
        if not isinstance(value, bool):
            raise ValueError("must be true or false")
        return value

    @model_validator(mode="before")
    @classmethod
    def _no_token_here(cls, data: Any) -> Any:
        if isinstance(data, dict) and any("token" in str(key).lower() for key in data):
            raise ValueError(
                "the bot token is never read from the config file; remove it and set "
                "SWARMBUS_DISCORD_TOKEN in the environment"
            )
        return data

    def admits_anyone(self) -> bool:
        """Whether any user or role is listed at all (if not, every command is refused)."""
        lists = [Allowlist(users=self.users, roles=self.roles), self.readers]
        return any(a.users or a.roles for a in [*lists, *self.commands.values()])

    def allowlist(self, command: str) -> list[Allowlist]:
        """The lists that admit a user to `command` (any one suffices)."""
        if command in self.commands:
            return [self.commands[command]]  # type: ignore[index]
        general = Allowlist(users=self.users, roles=self.roles)
        return [general, self.readers] if command in DISCORD_READ_ONLY else [general]


class SwarmConfig(_Section):
    """The whole file."""

    database: DatabaseConfig = DatabaseConfig()
    bus: BusConfig = BusConfig()
    audit: AuditRules = AuditRules()
    discord: DiscordConfig = DiscordConfig()
    monitoring: MonitoringConfig = MonitoringConfig()
    agents: list[AgentConfig] = Field(min_length=1)

    @model_validator(mode="after")
    def _names_are_unique(self) -> SwarmConfig:
        seen: dict[str, int] = {}
        for number, agent in enumerate(self.agents, start=1):
            first = seen.setdefault(agent.name.lower(), number)
            if first != number:
                raise ValueError(
                    f"agents[{number}].name = {agent.name!r}: duplicate agent name "
                    f"(agents[{first}] has it too); each agent needs its own name"
                )
        return self


@dataclass(frozen=True)
class Swarm:
    """A loaded configuration with its paths resolved."""

    path: Path
    config: SwarmConfig
    database: str

    @property
    def agents(self) -> dict[str, AgentConfig]:
        return {agent.name: agent for agent in self.config.agents}

    def agent(self, name: str) -> AgentConfig:
        """The configured agent called `name`, or `UnknownAgent`."""
        for agent in self.config.agents:
            if agent.name == name:
                return agent
        known = ", ".join(a.name for a in self.config.agents) or "none"
        raise errors.UnknownAgent(f"unknown agent {name!r}; configured agents: {known}")

    def inbox_dir(self, agent: AgentConfig) -> Path:
        """Where an inbox agent's files go (default: `inboxes/<name>` beside the config)."""
        folder = agent.inbox or Path("inboxes") / agent.name
        return folder if folder.is_absolute() else self.path.parent / folder


def config_path(
    explicit: str | os.PathLike[str] | None = None, env: Mapping[str, str] = os.environ
) -> Path:
    """Which file to read: the argument, then $SWARMBUS_CONFIG, then ./swarmbus.toml."""
    chosen = explicit or env.get(CONFIG_ENV) or CONFIG_FILE_NAME
    return Path(chosen).expanduser()


def load(
    explicit: str | os.PathLike[str] | None = None, env: Mapping[str, str] = os.environ
) -> Swarm:
    """Read and validate the configuration; raise `ConfigError` with one clear line."""
    path = config_path(explicit, env)
    return parse(read_text(path), path, env)


def read_text(path: Path) -> str:
    """The config file's text, or one `ConfigError` line saying why it cannot be read.

    At most `MAX_CONFIG_BYTES` (+1) are read, so `--config /dev/zero` or a huge
    file is refused without filling memory.
    """
    try:
        return fsutil.read_file_at_most(path, MAX_CONFIG_BYTES).decode("utf-8")
    except FileNotFoundError:
        raise errors.ConfigError(
            f"{path}: config file not found; run 'swarmbus init' or pass --config PATH"
        ) from None
    except fsutil.TooLarge:
        raise errors.ConfigError(
            f"{path}: config file is larger than {fsutil.size_text(MAX_CONFIG_BYTES)}, "
            f"the most a swarmbus.toml may hold"
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise errors.ConfigError(f"{path}: cannot read config file ({exc})") from None


def parse(text: str, path: Path, env: Mapping[str, str] = os.environ) -> Swarm:
    """Validate config text that came from `path`."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise errors.ConfigError(f"{path}: not valid TOML: {exc}") from None
    try:
        config = SwarmConfig.model_validate(raw)
    except ValidationError as exc:
        raise errors.ConfigError(describe_error(path, raw, exc, SwarmConfig)) from None
    database = env.get(DATABASE_ENV) or resolve_database(config.database.path, path.parent)
    swarm = Swarm(path=path, config=config, database=database)
    _check_inboxes(swarm)
    return swarm


def _check_inboxes(swarm: Swarm) -> None:
    """Refuse two agents delivered into one folder: each would read the other's mail.

    Folders are compared resolved (`a/../same`, `./same/` and a symlink to it
    are one folder), for every agent that can be delivered to an inbox.
    """
    owners: dict[Path, str] = {}
    for agent in swarm.config.agents:
        if "inbox" not in (agent.transport, agent.fallback):
            continue
        folder = swarm.inbox_dir(agent).resolve()
        if folder in owners:
            raise errors.ConfigError(
                f"{swarm.path}: agents {owners[folder]} and {agent.name} share the inbox "
                f"folder {folder}; give each agent its own inbox"
            )
        owners[folder] = agent.name
