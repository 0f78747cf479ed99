"""Build the bot from settings: clients, the Bolt app and its listeners; run it in Socket Mode
or as an HTTP server."""

from __future__ import annotations

import logging
from dataclasses import dataclass

import aiohttp
import anthropic
from aiohttp import web
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
from bot.listeners import commands, mentions, messages
from bot.reply.governor import Governors
from bot.tasks import Inflight

log = logging.getLogger(__name__)

SLACK_TIMEOUT = 15  # seconds for any one Slack Web API call
SLACK_CONNECTIONS = 400


class StartupError(Exception):
    """Slack or Claude refused the configuration at start; the message says what to fix."""


@dataclass
class Bot:
    settings: Settings
    app: AsyncApp
    deps: Deps
    inflight: Inflight
    session: aiohttp.ClientSession
    socket: AsyncSocketModeHandler | None = None
    http: web.AppRunner | None = None

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
        if self.socket is not None:
            await self.socket.close_async()
        if self.http is not None:
            await self.http.cleanup()
        await self.inflight.wait()
        await self.deps.claude.close()
        await self.session.close()


def _prewarm_authorization(app: AsyncApp, auth: dict) -> None:
    """Hand Bolt the auth.test we already made, so the first event does not wait for one."""
    for middleware in app._async_middleware_list:  # no public hook for this in Bolt 1.x
        if isinstance(middleware, AsyncSingleTeamAuthorization):
            middleware.auth_test_result = auth


async def create_bot(settings: Settings) -> Bot:
    # One connection pool for every Slack call, wide enough for hundreds of answers at once.
    session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=SLACK_CONNECTIONS))
    slack = AsyncWebClient(token=settings.slack_bot_token, base_url=settings.slack_api_url,
                           session=session, timeout=SLACK_TIMEOUT)
    claude = anthropic.AsyncAnthropic(api_key=settings.anthropic_api_key)
    deps = Deps(settings=settings, slack=slack, claude=claude,
                governors=Governors(settings.slack_updates_per_minute), http=session,
                files=FileReader(session, slack, settings))
    app = AsyncApp(client=slack, signing_secret=settings.slack_signing_secret or "",
                   request_verification_enabled=not settings.socket_mode,
                   ignoring_self_events_enabled=True)
    inflight = Inflight()
    for listener in (mentions, messages, commands):
        listener.register(app, deps, inflight)
    return Bot(settings, app, deps, inflight, session)
