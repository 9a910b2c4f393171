"""The offline harness: real Interactions through the bot's real command tree.

Only the last HTTP hop is fake. Interaction replies go through
`discord.webhook.async_.AsyncWebhookAdapter.request` (installed through the
`async_context` ContextVar that discord.py reads); the bot's REST calls (login,
command sync, channel posts) go through `HTTPClient.request`. Interactions are
built from INTERACTION_CREATE payloads and handed to the client's own gateway
parser, so the allowlist check, option transformers, the callback, the error
handler, the completion event and `InteractionResponse` (which refuses a
second reply) all run.

This uses discord.py internals (`_connection`, `async_context`,
`HTTPClient.request`): pyproject pins discord.py to 2.7.x, and this module is
the only place that knows them.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import discord
from discord.webhook import async_ as webhook_async

APP_ID = 1_100_000_000_000_000_001
BOT_USER_ID = 1_100_000_000_000_000_002
GUILD_ID = 1_200_000_000_000_000_001
CHANNEL_ID = 1_200_000_000_000_000_002
EPHEMERAL = 64  # message flag
DISCORD_TASKS = ("CommandTree-invoker", "discord.py: ", "follow-up ")  # names of tasks to await
SETTLE_TIMEOUT = 30.0  # seconds; a hang fails the test instead of the suite

_ids = itertools.count(1_300_000_000_000_000_000)


def user_payload(user_id: int, name: str) -> dict[str, Any]:
    return {"id": str(user_id), "username": name, "discriminator": "0", "avatar": None}


def message_payload(content: str | None, embeds: list[Any] | None = None) -> dict[str, Any]:
    """A message object as Discord returns it for a follow-up or an edit."""
    return {
        "id": str(next(_ids)),
        "channel_id": str(CHANNEL_ID),
        "type": 0,
        "content": content or "",
        "embeds": embeds or [],
        "author": user_payload(BOT_USER_ID, "swarmbus"),
        "attachments": [],
        "mentions": [],
        "mention_roles": [],
        "pinned": False,
        "tts": False,
        "mention_everyone": False,
        "timestamp": "2026-01-01T00:00:00+00:00",
        "edited_timestamp": None,
        "flags": 0,
    }


@dataclass
class Call:
    """One HTTP request the bot made."""

    method: str
    path: str
    payload: dict[str, Any] | None
    token: str | None = None  # the interaction token, for webhook calls

    @property
    def data(self) -> dict[str, Any]:
        """The message part: `data` of an interaction callback, else the payload itself."""
        payload = self.payload or {}
        return payload.get("data") or {} if "type" in payload else payload

    @property
    def content(self) -> str | None:
        return self.data.get("content")

    @property
    def embeds(self) -> list[dict[str, Any]]:
        return self.data.get("embeds") or []

    @property
    def ephemeral(self) -> bool:
        return bool((self.data.get("flags") or 0) & EPHEMERAL)


class WebhookRecorder(webhook_async.AsyncWebhookAdapter):
    """Stands in for Discord's interaction endpoints; records every request."""

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[Call] = []
        self.deferred = asyncio.Event()  # set by the first deferral (callback type 5)

    async def request(self, route: Any, session: Any, **kwargs: Any) -> Any:
        payload = kwargs.get("payload")
        if payload is None and kwargs.get("multipart"):
            payload = json.loads(kwargs["multipart"][0]["value"])
        self.calls.append(Call(route.method, route.path, payload, route.webhook_token))
        if route.path.endswith("/callback"):
            if payload["type"] == 5:
                self.deferred.set()
            return {"interaction": {"id": str(route.webhook_id), "type": payload["type"]}}
        if route.method in ("PATCH", "POST"):
            return message_payload(payload.get("content"), payload.get("embeds"))
        return None


class RestRecorder:
    """Stands in for Discord's REST API behind `HTTPClient.request`; records every request."""

    def __init__(self, http: Any = None) -> None:
        self.http = http
        self.calls: list[Call] = []
        self.tokens: list[str | None] = []  # the token each request was sent with

    async def request(self, route: Any, **kwargs: Any) -> Any:
        payload = kwargs.get("json")
        self.calls.append(Call(route.method, route.path, payload))
        self.tokens.append(self.http.token)
        return self.answer(route, payload)

    def patch_class(self, monkeypatch: Any) -> RestRecorder:
        """Answer for every `HTTPClient` (for bots built inside the code under test)."""

        async def request(http: Any, route: Any, **kwargs: Any) -> Any:
            self.http = http
            return await self.request(route, **kwargs)

        monkeypatch.setattr(discord.http.HTTPClient, "request", request)
        return self

    def answer(self, route: Any, payload: Any) -> Any:
        if route.path == "/users/@me":
            return {**user_payload(BOT_USER_ID, "swarmbus"), "bot": True}
        if route.path == "/oauth2/applications/@me":
            return {
                "id": str(APP_ID), "name": "swarmbus", "description": "", "icon": None,
                "bot_public": False, "bot_require_code_grant": False, "verify_key": "0",
                "owner": user_payload(1, "owner"), "flags": 0,
            }  # fmt: skip
        if route.path.endswith("/commands") and route.method == "PUT":
            return [{**c, "id": str(next(_ids)), "application_id": str(APP_ID)} for c in payload]
        if route.path == "/channels/{channel_id}/messages":
            return message_payload(payload.get("content"))
        raise AssertionError(f"unexpected Discord request {route.method} {route.path}")


@dataclass
class Reply:
    """What one interaction made the bot send, in order."""

    calls: list[Call]

    @property
    def first(self) -> Call:
        assert self.calls, "the bot sent nothing"
        return self.calls[0]

    @property
    def callback_type(self) -> int:
        payload = self.first.payload or {}
        return payload["type"]

    @property
    def text(self) -> str:
        """The content as the user sees it last (after edits)."""
        return next((c.content for c in reversed(self.calls) if c.content), "") or ""

    @property
    def embed(self) -> dict[str, Any]:
        embeds = [e for c in self.calls for e in c.embeds]
        assert len(embeds) == 1, f"expected one embed, got {len(embeds)}"
        return embeds[0]

    @property
    def edits(self) -> list[Call]:
        return [c for c in self.calls if c.method == "PATCH"]


@dataclass
class Member:
    """Who invokes a command: a user id, a name, and the role ids they hold."""

    user_id: int
    name: str
    roles: tuple[int, ...] = ()
    in_guild: bool = True  # False: a DM


@dataclass
class Harness:
    """Drives one bot (entered with `async with bot`) with real interaction payloads."""

    bot: Any
    webhook: WebhookRecorder = field(default_factory=WebhookRecorder)
    tasks: list[asyncio.Task[Any]] = field(default_factory=list)
    rest: RestRecorder = field(init=False)

    @contextlib.contextmanager
    def install(self) -> Iterator[None]:
        state = self.bot._connection
        state.application_id = APP_ID
        state.user = discord.ClientUser(state=state, data=user_payload(BOT_USER_ID, "swarmbus"))
        self.rest = RestRecorder(self.bot.http)
        self.bot.http.request = self.rest.request
        token = webhook_async.async_context.set(self.webhook)
        loop = asyncio.get_running_loop()
        previous = loop.get_task_factory()
        loop.set_task_factory(self._task_factory)
        try:
            yield
        finally:
            loop.set_task_factory(previous)
            webhook_async.async_context.reset(token)

    def _task_factory(self, loop: Any, coro: Any, **kwargs: Any) -> asyncio.Task[Any]:
        task = asyncio.Task(coro, loop=loop, **kwargs)
        self.tasks.append(task)
        return task

    def cache_guild(self, role_ids: tuple[int, ...]) -> None:
        """Put the guild (with these roles) in the client's cache, as GUILD_CREATE would."""
        roles = [{"id": str(GUILD_ID), "name": "@everyone", "permissions": "0", "position": 0}]
        roles += [
            {"id": str(r), "name": f"role-{r}", "permissions": "0", "position": 1} for r in role_ids
        ]
        data = {"id": str(GUILD_ID), "name": "swarm", "roles": roles, "channels": []}
        self.bot._connection._add_guild_from_data(data)

    async def invoke(self, name: str, member: Member, **options: Any) -> Reply:
        """Run /name as `member` with these options; wait for everything it started."""
        payload = self.payload(name, member, options, kind=2)
        return await self._drive(payload)

    async def autocomplete(
        self, name: str, member: Member, focused: str, **options: Any
    ) -> list[dict[str, Any]]:
        """Type into option `focused`; return the choices the bot sent back."""
        payload = self.payload(name, member, options, kind=4, focused=focused)
        reply = await self._drive(payload)
        assert reply.callback_type == 8, "no autocomplete response was sent"
        return reply.first.data["choices"]

    async def _drive(self, payload: dict[str, Any]) -> Reply:
        self.bot._connection.parse_interaction_create(payload)
        await self.settle()
        return Reply([c for c in self.webhook.calls if c.token == payload["token"]])

    async def settle(self) -> None:
        """Wait for every task the interaction started; re-raise what any of them raised."""
        async with asyncio.timeout(SETTLE_TIMEOUT):
            while pending := [t for t in self._discord_tasks() if not t.done()]:
                await asyncio.wait(pending)
        for task in self._discord_tasks():
            if not task.cancelled() and task.exception() is not None:
                raise task.exception()  # type: ignore[misc]

    def _discord_tasks(self) -> list[asyncio.Task[Any]]:
        return [t for t in self.tasks if t.get_name().startswith(DISCORD_TASKS)]

    def payload(
        self, name: str, member: Member, options: dict[str, Any], *, kind: int, focused: str = ""
    ) -> dict[str, Any]:
        """An INTERACTION_CREATE payload as the gateway sends it."""
        interaction_id = next(_ids)
        payload: dict[str, Any] = {
            "id": str(interaction_id),
            "application_id": str(APP_ID),
            "type": kind,
            "token": f"interaction-token-{interaction_id}",
            "version": 1,
            "locale": "en-US",
            "attachment_size_limit": 8_388_608,
            "app_permissions": "0",
            "entitlements": [],
            "data": {"id": str(next(_ids)), "name": name, "type": 1},
        }
        payload["data"]["options"] = self._options(name, options, focused)
        payload.update(_where(member))
        return payload

    def _options(self, name: str, options: dict[str, Any], focused: str) -> list[dict[str, Any]]:
        command = self.bot.tree.get_command(name)
        result = []
        for key, value in options.items():
            kind = command.get_parameter(key).type.value if command else 3
            option = {"name": key, "type": kind, "value": value}
            if key == focused:
                option["focused"] = True
            result.append(option)
        return result


def _where(member: Member) -> dict[str, Any]:
    user = user_payload(member.user_id, member.name)
    if not member.in_guild:
        return {"user": user, "channel": {"id": str(CHANNEL_ID), "type": 1}, "context": 1}
    return {
        "guild_id": str(GUILD_ID),
        "channel": {
            "id": str(CHANNEL_ID), "type": 0, "name": "swarm", "position": 0,
            "guild_id": str(GUILD_ID), "permission_overwrites": [],
        },
        "member": {
            "user": user, "roles": [str(r) for r in member.roles], "permissions": "0",
            "joined_at": "2026-01-01T00:00:00+00:00", "deaf": False, "mute": False, "flags": 0,
        },
        "context": 0,
    }  # fmt: skip


class FakeGatewaySocket:
    """Stands in for the gateway websocket: open, with a measured latency."""

    def __init__(self, latency: float) -> None:
        self.latency = latency
        self.open = True

    async def close(self, code: int = 1000) -> None:
        self.open = False


def pretend_connected(bot: Any, latency: float) -> None:
    """Make the client look connected to the gateway (READY received, socket open)."""
    bot.ws = FakeGatewaySocket(latency)
    bot._ready.set()
