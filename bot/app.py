"""Build the bot from settings: clients, the Bolt app and its listeners; run it in Socket Mode
or as an HTTP server."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

import aiohttp
import anthropic
from aiohttp import web
from slack_bolt.adapter.socket_mode.aiohttp import AsyncSocketModeHandler
from slack_bolt.app.async_server import AsyncSlackAppServer
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
from bot.feedback import record_feedback
from bot.installs import current
from bot.ledger import Ledger, LedgerUnavailable
from bot.listeners import actions, agent, commands, files, mentions, messages
from bot.metrics import Metrics, add_routes
from bot.policy.live import LivePolicy
from bot.reply.budgets import WorkspaceBudgets
from bot.reply.governor import Governors, WorkspaceGovernor
from bot.reply.stream_budget import StreamBudgets
from bot.reply.writer import INTERRUPT_SECONDS
from bot.startup import StartupError, check_claude, check_slack, socket_url
from bot.tasks import Inflight
from bot.tools.company import CompanyTools

if TYPE_CHECKING:  # Redis is imported only when REDIS_URL is set: a one-process start skips it
    from redis.asyncio import Redis

    from bot.installs.store import SqlInstallationStore
    from bot.instances.stops import StopRelay

log = logging.getLogger(__name__)

SLACK_TIMEOUT = 15  # seconds for any one Slack Web API call
SLACK_CONNECTIONS = 400
CLEANUP_GRACE = 2.0  # seconds at shutdown for placeholders still to be deleted


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
    installs: SqlInstallationStore | None = None  # many workspaces (Slack's OAuth install)

    async def start(self) -> None:
        """Check the tokens and the model, then connect to Slack (Socket Mode) or start
        serving HTTP."""
        auth = {}
        if self.installs is None:  # one workspace: its token must work
            auth = await check_slack(self.deps.slack, self.settings)
            self.deps.me = Me(auth.get("user_id"), auth.get("bot_id"))
        channel_models = {f"channel.{channel}.model": rules.model for channel, rules
                          in self.deps.policy.current.channel.items() if rules.model}
        await check_claude(self.deps.claude, self.settings.claude_model,
                           self.settings.claude_effort, channel_models)
        if self.redis is not None:
            from redis.exceptions import RedisError

            try:
                await self.redis.ping()
            except (RedisError, OSError) as error:
                raise StartupError(f"Redis at REDIS_URL is unreachable ({type(error).__name__}): "
                                   "check the URL, or unset REDIS_URL to run one instance "
                                   "alone.") from None
        try:
            self.deps.ledger = await Ledger.open(self.settings.database_url,
                                                 self.settings.usage_retention_days,
                                                 metrics=self.deps.metrics)
        except LedgerUnavailable as error:
            raise StartupError(str(error)) from None
        if self.installs is not None:
            self.installs.engine = self.deps.ledger.engine
        if self.stops is not None:
            await self.stops.start()
        _prewarm_authorization(self.app, auth)
        self.deps.policy.start()
        await warm_up()
        if self.settings.socket_mode:
            self.socket = AsyncSocketModeHandler(self.app, self.settings.slack_app_token)
            self.socket.client.wss_uri = await socket_url(self.deps.slack, self.settings)
            await self.socket.connect_async()
            log.info("connected to Slack in Socket Mode as %s", auth.get("user"))
            if self.settings.metrics_port:
                await self._serve(self._http_app(slack_events=False), "METRICS_PORT",
                                  self.settings.metrics_port)
                log.info("serving /metrics and /health on port %s", self.settings.metrics_port)
        else:
            await self._serve(self._http_app(), "PORT", self.settings.port)
            log.info("serving Slack events on port %s at /slack/events", self.settings.port)
            if self.installs is not None:
                log.info("installing in workspaces through Slack's OAuth at %s",
                         self.app.oauth_flow.install_path)

    async def _serve(self, http: web.Application, setting: str, port: int) -> None:
        self.http = web.AppRunner(http, access_log=None)
        await self.http.setup()
        try:
            await web.TCPSite(self.http, port=port).start()
        except OSError as error:
            raise StartupError(f"cannot listen on port {port} ({error.strerror or error}): "
                               f"set {setting} to a free port.") from None

    def _http_app(self, slack_events: bool = True) -> web.Application:
        """/health and /metrics, and (HTTP mode) Bolt's own routes: Slack's events at
        /slack/events and, with Slack's OAuth install, its install page and redirect."""
        http = (AsyncSlackAppServer(self.settings.port, "/slack/events", self.app).web_app
                if slack_events else web.Application())
        add_routes(http, self.deps.metrics,
                   lambda: {"ok": True, "in_flight": len(self.inflight.tasks)})
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
        for budgets in self.deps.budgets.all():  # placeholders of answers posted anew
            await budgets.cleanup.drain(CLEANUP_GRACE)
        if self.http is not None:
            await self.http.cleanup()
        await self.deps.policy.stop()
        if self.deps.ledger is not None:
            await self.deps.ledger.close()
        await self.deps.claude.close()
        await self.session.close()
        if self.stops is not None:
            await self.stops.close()
        if self.redis is not None:
            await self.redis.aclose()


async def _token_gone(event: dict) -> None:
    log.warning("Slack says the app was uninstalled or its token revoked (%s): SLACK_BOT_TOKEN "
                "no longer works; reinstall the app and update it", event.get("type"))


def _prewarm_authorization(app: AsyncApp, auth: dict) -> None:
    """Hand Bolt the auth.test we already made, so the first event does not wait for one."""
    for middleware in app._async_middleware_list:  # no public hook for this in Bolt 1.x
        if isinstance(middleware, AsyncSingleTeamAuthorization):
            middleware.auth_test_result = auth


async def create_bot(settings: Settings, policy: LivePolicy | None = None) -> Bot:
    """The bot, not started yet. Without `policy`, the policy file is read here (PolicyError
    if it is missing or invalid)."""
    policy = policy or LivePolicy(settings)
    # One connection pool for every Slack call, wide enough for hundreds of answers at once.
    session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=SLACK_CONNECTIONS))
    per_minute = settings.slack_updates_per_minute
    # Many workspaces: one client whose token is the installation's a request is for.
    client = current.InstallationClient if settings.oauth else AsyncWebClient
    slack = client(token=settings.slack_bot_token or None, base_url=settings.slack_api_url,
                   session=session, timeout=SLACK_TIMEOUT)
    metrics = Metrics()
    slack.retry_handlers.insert(0, metrics.slack_observer())  # counts 429s, never retries
    claude = anthropic.AsyncAnthropic(api_key=settings.anthropic_api_key)
    deps = Deps(settings=settings, slack=slack, claude=claude,
                governors=Governors(lambda _team: WorkspaceGovernor(per_minute)),
                streams=Governors(lambda team: StreamBudgets.make(
                    lambda limit, _key: WorkspaceGovernor(limit), team)),
                budgets=Governors(lambda team: WorkspaceBudgets.make(
                    lambda limit, _key: WorkspaceGovernor(limit), team)),
                http=session, files=FileReader(session, slack, settings), metrics=metrics,
                policy=policy)
    # The ledger opens at start: read it when a click comes.
    deps.on_feedback = lambda feedback: record_feedback(deps.ledger, deps.metrics, feedback)
    redis_client = stops = None
    if settings.redis_url:  # several instances: share dedupe, threads and the edit budget
        from bot.instances import redis_store
        from bot.instances.governor import shared_governor
        from bot.instances.search_budget import SharedSearchPacer
        from bot.instances.stops import StopRelay

        redis_client = redis_store.connect(settings.redis_url)
        deps.dedupe = redis_store.RedisDedupe(redis_client)
        deps.threads = redis_store.RedisThreadBook(redis_client)
        deps.company = CompanyTools(pacer=SharedSearchPacer(redis_client))
        deps.governors = Governors(lambda team: shared_governor(per_minute, redis_client, team))
        deps.streams = Governors(lambda team: StreamBudgets.make(
            lambda limit, key: shared_governor(limit, redis_client, key), team))
        deps.budgets = Governors(lambda team: WorkspaceBudgets.make(
            lambda limit, key: shared_governor(limit, redis_client, key), team))
        stops = StopRelay(redis_client, deps.runs)
        deps.runs.relay = stops.publish
    installs = extra = None
    if settings.oauth:  # the store gets the ledger's engine at start
        # Imported only here: one workspace's start does not pay for cryptography.
        from bot.installs import oauth
        from bot.installs.store import SqlInstallationStore

        installs = SqlInstallationStore(None, settings.oauth.token_key)
        extra = oauth.app_arguments(settings.oauth, installs, slack, settings.slack_api_url)
        deps.me = current.InstallationMe()
    app = AsyncApp(client=slack, signing_secret=settings.slack_signing_secret or "",
                   request_verification_enabled=not settings.socket_mode,
                   ignoring_self_events_enabled=True, **(extra or {}))
    if installs is not None:
        app.middleware(current.bind)
        app.enable_token_revocation_listeners()  # app_uninstalled, tokens_revoked
    else:
        app.event("app_uninstalled")(_token_gone)
        app.event("tokens_revoked")(_token_gone)
    inflight = Inflight()
    for listener in (mentions, messages, commands, files, agent, actions):
        listener.register(app, deps, inflight)
    return Bot(settings, app, deps, inflight, session, redis_client, stops=stops,
               installs=installs)
