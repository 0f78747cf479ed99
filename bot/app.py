"""Build the bot from settings: clients, the Bolt app and its listeners; run it in Socket Mode
or as an HTTP server."""

from __future__ import annotations

import logging
from dataclasses import dataclass

import aiohttp
import anthropic
from aiohttp import web
from redis.asyncio import Redis
from redis.exceptions import RedisError
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.adapter.socket_mode.aiohttp import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp
from slack_bolt.middleware.authorization.async_single_team_authorization import (
    AsyncSingleTeamAuthorization,
)
from slack_sdk.web.async_client import AsyncWebClient

from bot.answer import Deps
from bot.attachments.files import FileReader
from bot.claude import warm_up
from bot.config import Settings
from bot.conversation import Me
from bot.instances import redis_store
from bot.instances.governor import shared_governor
from bot.instances.stops import StopRelay
from bot.listeners import actions, agent, commands, mentions, messages
from bot.reply.governor import Governors, WorkspaceGovernor
from bot.reply.writer import INTERRUPT_SECONDS
from bot.tasks import Inflight

log = logging.getLogger(__name__)

SLACK_TIMEOUT = 15  # seconds for any one Slack Web API call
SLACK_CONNECTIONS = 400
APPENDS_PER_MINUTE = 100  # chat.appendStream is Tier 4


class StartupError(Exception):
    """Slack or Claude refused the configuration at start; the message says what to fix."""


@dataclass
class Bot:
    settings: Settings
    app: AsyncApp
    deps: Deps
    inflight: Inflight
    session: aiohttp.ClientSession
    redis: Redis | None = None
    socket: AsyncSocketModeHandler | None = None
    http: web.AppRunner | None = None
    stops: StopRelay | None = None  # several instances: a stop reaches every process

    async def start(self) -> None:
        """Check the bot token, then connect to Slack (Socket Mode) or start serving HTTP."""
        try:
            auth = await self.deps.slack.auth_test()
        except Exception as error:  # any failure here is a setup problem, said in one line
            code = getattr(getattr(error, "response", None), "get", lambda _k: None)("error")
            raise StartupError(
                f"Slack refused SLACK_BOT_TOKEN ({code or type(error).__name__}) at "
                f"{self.settings.slack_api_url}: check the token and SLACK_API_URL.") from None
        self.deps.me = Me(auth.get("user_id"), auth.get("bot_id"))
        if self.redis is not None:
            try:
                await self.redis.ping()
            except (RedisError, OSError) as error:
                raise StartupError(f"Redis at REDIS_URL is unreachable ({type(error).__name__}): "
                                   "check the URL, or unset REDIS_URL to run one instance "
                                   "alone.") from None
        if self.stops is not None:
            await self.stops.start()
        _prewarm_authorization(self.app, auth)
        await warm_up()
        if self.settings.socket_mode:
            self.socket = AsyncSocketModeHandler(self.app, self.settings.slack_app_token)
            await self.socket.connect_async()
            log.info("connected to Slack in Socket Mode as %s", auth.get("user"))
        else:
            self.http = web.AppRunner(self._http_app(), access_log=None)
            await self.http.setup()
            await web.TCPSite(self.http, port=self.settings.port).start()
            log.info("serving Slack events on port %s at /slack/events", self.settings.port)

    def _http_app(self) -> web.Application:
        async def events(request: web.Request) -> web.Response:
            return await to_aiohttp_response(await self.app.async_dispatch(
                await to_bolt_request(request)))

        async def health(_request: web.Request) -> web.Response:
            return web.json_response({"ok": True, "in_flight": len(self.inflight.tasks)})

        http = web.Application()
        http.router.add_post("/slack/events", events)
        http.router.add_get("/health", health)
        return http

    async def stop(self) -> None:
        """Stop taking events, let answers in flight finish within the grace period, mark the
        rest interrupted, and close every client."""
        if self.socket is not None:
            await self.socket.close_async()  # Slack sends new events to other connections
        if self.http is not None:
            for site in list(self.http.sites):
                await site.stop()  # refused: Slack retries elsewhere
        cut = await self.inflight.drain(self.settings.shutdown_grace_seconds,
                                        wrap_up=INTERRUPT_SECONDS + 1)
        if cut:
            log.warning("%s answer(s) marked interrupted at shutdown", cut)
        if self.http is not None:
            await self.http.cleanup()
        await self.deps.claude.close()
        await self.session.close()
        if self.stops is not None:
            await self.stops.close()
        if self.redis is not None:
            await self.redis.aclose()


def _prewarm_authorization(app: AsyncApp, auth: dict) -> None:
    """Hand Bolt the auth.test we already made, so the first event does not wait for one."""
    for middleware in app._async_middleware_list:  # no public hook for this in Bolt 1.x
        if isinstance(middleware, AsyncSingleTeamAuthorization):
            middleware.auth_test_result = auth


async def create_bot(settings: Settings) -> Bot:
    # One connection pool for every Slack call, wide enough for hundreds of answers at once.
    session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=SLACK_CONNECTIONS))
    per_minute = settings.slack_updates_per_minute
    slack = AsyncWebClient(token=settings.slack_bot_token, base_url=settings.slack_api_url,
                           session=session, timeout=SLACK_TIMEOUT)
    claude = anthropic.AsyncAnthropic(api_key=settings.anthropic_api_key)
    deps = Deps(settings=settings, slack=slack, claude=claude,
                governors=Governors(lambda _team: WorkspaceGovernor(per_minute)),
                append_governors=Governors(lambda _team: WorkspaceGovernor(APPENDS_PER_MINUTE)),
                http=session, files=FileReader(session, slack, settings))
    redis_client = stops = None
    if settings.redis_url:  # several instances: share dedupe, threads and the edit budget
        redis_client = redis_store.connect(settings.redis_url)
        deps.dedupe = redis_store.RedisDedupe(redis_client)
        deps.threads = redis_store.RedisThreadBook(redis_client)
        deps.governors = Governors(lambda team: shared_governor(per_minute, redis_client, team))
        deps.append_governors = Governors(lambda team: shared_governor(
            APPENDS_PER_MINUTE, redis_client, f"{team}:appends"))
        stops = StopRelay(redis_client, deps.runs)
        deps.runs.relay = stops.publish
    app = AsyncApp(client=slack, signing_secret=settings.slack_signing_secret or "",
                   request_verification_enabled=not settings.socket_mode,
                   ignoring_self_events_enabled=True)
    inflight = Inflight()
    for listener in (mentions, messages, commands, agent, actions):
        listener.register(app, deps, inflight)
    return Bot(settings, app, deps, inflight, session, redis_client, stops=stops)
