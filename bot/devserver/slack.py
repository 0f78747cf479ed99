"""A local stand-in for Slack: Web API, Socket Mode and file downloads on 127.0.0.1.

    async with SlackServer() as slack:
        client = AsyncWebClient(token=slack.bot_token, base_url=slack.api_url)
        ...

Every request is recorded in `calls` (appended when answered; `at` is its arrival time).
Behaviour is split over mixins: slack_webapi (methods), slack_socket (Socket Mode,
response_url), slack_state (messages, files, downloads), slack_changes (edits, file deletions),
slack_validate (payload limits), slack_agents (agent sessions, the stop button, feedback clicks),
slack_uploads (files the bot shares: the external upload flow), slack_search (real-time search,
users.info), slack_pace (the per-channel posting pace, the AI thread status), slack_installs
(OAuth installs: oauth.v2.access, a token per installation, revoked tokens).
"""

from __future__ import annotations

import asyncio
import itertools
import json
import math
import random
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from .slack_agents import AgentsMixin
from .slack_changes import ChangesMixin
from .slack_installs import InstallsMixin
from .slack_pace import PaceMixin
from .slack_search import SearchMixin
from .slack_socket import SocketModeMixin
from .slack_state import ConversationsMixin, FilesMixin
from .slack_streams import StreamsMixin
from .slack_uploads import UploadsMixin
from .slack_webapi import DROPPED, WebApiMixin

FIRST_TS_US = 1_764_000_000_000_100  # first generated ts: "1764000000.000100"
BACKLOG = 1024  # pending connections the listening socket holds
POLL = 0.05  # wait_for also re-checks this often, for predicates on state we can't see change


@dataclass
class Call:
    method: str  # "chat.update", or "files.download", "response_url", "redirect"
    params: dict
    token: str | None
    at: float  # clock() when the request arrived
    status: int
    response: dict
    headers: dict


@dataclass
class _Fault:
    status: int
    error: str
    retry_after: float | None


class SlackServer(WebApiMixin, StreamsMixin, SocketModeMixin, ConversationsMixin, FilesMixin,
                  ChangesMixin, AgentsMixin, UploadsMixin, SearchMixin, PaceMixin,
                  InstallsMixin):
    def __init__(
        self,
        *,
        bot_token: str = "xoxb-test-bot-token",
        app_token: str = "xapp-test-app-token",
        team_id: str = "T0TEAM",
        bot_user_id: str = "UBOT",
        bot_id: str = "BBOT",
        app_id: str = "A0APP",
        updates_per_minute: int | None = None,
        stream_calls_per_minute: int | None = 20,
        deletes_per_minute: int | None = 50,
        replies_per_minute: int | None = 50,
        post_burst: int | None = 4,
        stream_timeout: float = 300.0,
        files_scope: bool = True,
        replies_page_max: int = 1000,
        translate_markdown: bool = False,
        stream_text: bool = True,
        enterprise_id: str | None = None,
        org_wide: bool = False,
    ) -> None:
        self.bot_token = bot_token
        self.app_token = app_token
        self.team_id = team_id
        self.bot_user_id = bot_user_id
        self.bot_id = bot_id
        self.app_id = app_id
        self.updates_per_minute = updates_per_minute
        # chat.startStream and chat.stopStream are Tier 2 (20+ per minute, each on its own).
        self.stream_calls_per_minute = stream_calls_per_minute
        self.deletes_per_minute = deletes_per_minute  # chat.delete is Tier 3 (slack_pace)
        self.replies_per_minute = replies_per_minute  # conversations.replies: Tier 3 as well
        self.post_burst = post_burst  # chat.postMessage: one a second per channel after it
        self.stream_timeout = stream_timeout  # Slack ends a stream after about five minutes
        self.files_scope = files_scope
        self.replies_page_max = replies_page_max
        # How posted messages are stored (slack_text.py): `markdown` blocks as rich_text, and
        # whether a streamed message keeps its text (Slack documents neither).
        self.translate_markdown = translate_markdown
        self.stream_text = stream_text
        # Enterprise Grid: the organisation the workspace belongs to; `org_wide`: the app is
        # installed for the whole organisation (its payloads then name no installing team).
        self.enterprise_id = enterprise_id
        self.org_wide = org_wide
        # time.monotonic by default; a test may swap it to fast-forward the rate-limit window.
        self.clock: Callable[[], float] = time.monotonic

        self.api_url = ""
        self.origin = ""
        self.calls: list[Call] = []
        self.events_sent: dict[str, float] = {}
        self.acks: dict[str, dict] = {}
        self.acks_at: dict[str, float] = {}  # envelope_id -> clock() when the ack arrived
        self.responses: list[tuple[str, dict]] = []
        self.connections_total = 0  # sockets that ever said hello (reconnects included)
        self.not_in_channel: set[str] = set()
        self.missing_channels: set[str] = set()
        self.deleted_files: set[str] = set()
        self.not_members: set[tuple[str, str]] = set()  # (channel, user) not in that channel
        # chat.postEphemeral params in order, plus `shown`: whether Slack would display it
        self.ephemerals: list[dict] = []

        self._channels: dict[str, dict[str, dict]] = {}
        self._next_ts_us = FIRST_TS_US
        self._files: dict[str, tuple[dict, bytes]] = {}
        self._file_paths: dict[str, str] = {}
        self._redirects: dict[str, str] = {}
        self._faults: dict[str, deque[_Fault]] = {}
        self._delays: dict[str, deque[float]] = {}
        self._random_faults: dict[str, tuple[float, _Fault]] = {}
        self._rng = random.Random(0)  # seeded: a soak run can be repeated
        self._update_times: dict[tuple[str, str], list[float]] = {}
        self._stream_timers: list[asyncio.TimerHandle] = []
        self._tickets: set[str] = set()
        self._sockets: list[web.WebSocketResponse] = []
        self._rr = 0
        self._seq = itertools.count(1)  # ids for files, events, blocks: stable per server
        self._waiters: list[asyncio.Future] = []
        self._runner: web.AppRunner | None = None
        self._init_agents()
        self._init_uploads()
        self._init_search()
        self._init_pace()
        self._init_installs()

    # --- lifecycle ---

    async def start(self) -> None:
        app = web.Application()
        app.router.add_route("*", "/api/{method}", self._handle_api)
        app.router.add_get("/link/", self._handle_link)
        app.router.add_post("/response/{tail:.*}", self._handle_response_url)
        app.router.add_post("/upload/v1/{file_id}", self._handle_upload)
        app.router.add_get("/{tail:.*}", self._handle_get)  # file URLs and redirects
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1)
        await self._runner.setup()
        # Hundreds of answers open connections at once; aiohttp's default backlog (128) would
        # drop some SYNs, and the kernel's one-second retransmit would show up as Slack latency.
        site = web.TCPSite(self._runner, "127.0.0.1", 0, backlog=BACKLOG)
        await site.start()
        port = self._runner.addresses[0][1]
        self.origin = f"http://127.0.0.1:{port}"
        self.api_url = f"{self.origin}/api/"

    async def stop(self) -> None:
        for timer in self._stream_timers:
            timer.cancel()
        # Open WebSockets would keep the runner's cleanup waiting; close them first.
        for ws in list(self._sockets):
            await ws.close(code=1001, message=b"server stopping")
        self._sockets.clear()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> SlackServer:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    @property
    def connections(self) -> int:
        """Socket Mode connections open now."""
        return len(self._sockets)

    # --- recording and waiting ---

    def calls_to(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method]

    def _record(self, method, params, token, at, status, response, request) -> None:
        headers = dict(request.headers)
        self.calls.append(Call(method, params, token, at, status, response, headers))
        self._notify()

    def _notify(self) -> None:
        waiters, self._waiters = self._waiters, []
        for fut in waiters:
            if not fut.done():
                fut.set_result(None)

    async def wait_for(
        self, predicate: Callable[[], bool], timeout: float = 5.0, what: str = ""
    ) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not predicate():
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise AssertionError(f"timed out waiting for {what}")
            fut = loop.create_future()
            self._waiters.append(fut)
            await asyncio.wait([fut], timeout=min(remaining, POLL))

    # --- fault injection ---

    def fail_next(
        self,
        method: str,
        *,
        status: int = 429,
        error: str = "ratelimited",
        retry_after: float | None = 1,
        times: int = 1,
    ) -> None:
        queue = self._faults.setdefault(method, deque())
        queue.extend(_Fault(status, error, retry_after) for _ in range(times))

    def drop_next(self, method: str, *, times: int = 1) -> None:
        """The next calls of `method` lose their connection before any answer."""
        self.fail_next(method, status=DROPPED, error="", retry_after=None, times=times)

    def fail_randomly(self, method: str, rate: float, *, status: int = 429,
                      error: str = "ratelimited", retry_after: float | None = 1) -> None:
        """From now on, each call of `method` fails with probability `rate` (soak tests)."""
        self._random_faults[method] = (rate, _Fault(status, error, retry_after))

    def delay_next(self, method: str, seconds: float, times: int = 1) -> None:
        self._delays.setdefault(method, deque()).extend([seconds] * times)

    async def _inject_faults(self, method: str) -> tuple[int, dict, dict] | None:
        """Apply a pending delay, then answer a pending failure (None: proceed normally)."""
        delays = self._delays.get(method)
        if delays:
            await asyncio.sleep(delays.popleft())
        faults = self._faults.get(method)
        if faults:
            fault = faults.popleft()
        elif method in self._random_faults and self._rng.random() < self._random_faults[method][0]:
            fault = self._random_faults[method][1]
        else:
            return None
        headers = {}
        if fault.retry_after is not None:
            # slack_sdk does int(Retry-After), so only whole seconds are sent.
            headers["Retry-After"] = str(max(0, math.ceil(fault.retry_after)))
        return fault.status, {"ok": False, "error": fault.error}, headers

    @staticmethod
    def _json(status: int, body: dict, headers: dict[str, Any] | None = None) -> web.Response:
        return web.Response(
            status=status,
            text=json.dumps(body),
            content_type="application/json",
            charset="utf-8",
            headers=headers,
        )
