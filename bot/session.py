"""One answer's life in Slack's agent surface: the session status around it (`processing` while
it runs, `active` once it ends, whatever the outcome), the session's title, and the stop button.

Slack: agents.sessions.setStatus(channel_id, thread_ts, status, title, initiator_user_id) "sets
an agent session's lifecycle status, creating the session if needed"; statuses active /
processing / suspended / closed; title ≤ 200 characters and, like initiator_user_id, "only used
when creating a new session"; the token needs chat:write, and only apps declared as agents
(agent_view, which adds assistant:write) may create sessions (docs.slack.dev/reference/methods/
agents.sessions.setStatus, docs.slack.dev/ai/agent-sessions). Tier 3 (slack-morphism's rate
config for the method). slack_sdk 3.48 has AsyncWebClient.agents_sessions_setStatus.

Slack: agent_session_stopped {channel, thread_ts, user, streaming_message_ts: [ts…]} is sent
when a person presses the stop button; the status does not change by itself, the app moves it
on (docs.slack.dev/reference/events/agent_session_stopped)."""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from slack_sdk.web.async_client import AsyncWebClient

from bot.reply.governor import Ticket, WorkspaceGovernor
from bot.slack_errors import SLACK_FAILURES, retry_after, slack_error

log = logging.getLogger(__name__)

TITLE_LIMIT = 200
ACTIVE_ATTEMPTS = 3
LONGEST_WAIT = 30.0  # seconds; a longer Retry-After is not worth holding the answer's task for
_LEADING_MENTIONS = re.compile(r"^(\s*<@[A-Z0-9]+>\s*)+")


def title_of(question: str) -> str:
    """The session's title: the question's first line (mentions of the bot left out)."""
    lines = [line.strip() for line in _LEADING_MENTIONS.sub("", question).splitlines()]
    first = next((line for line in lines if line), "")
    return first if len(first) <= TITLE_LIMIT else first[: TITLE_LIMIT - 1] + "…"


class SessionStatus:
    """The setStatus calls of one answer. They never delay or fail it: `processing` goes out
    alongside the placeholder and its failure is only logged; `active` waits for `processing`
    (so Slack gets them in order) and is retried after a 429.

    With the workspace's Tier 3 `budget`, a session is a luxury like progressive edits: it is
    created only when `processing` may go at once with its `active` still affordable (the
    governor keeps a call in reserve for every session open), and `active` waits its turn."""

    def __init__(self, client: AsyncWebClient, channel: str, user: str, title: str,
                 budget: WorkspaceGovernor | None = None) -> None:
        self.client = client
        self.channel = channel
        self.user = user
        self.title = title
        self.budget = budget
        self.thread_ts: str | None = None
        self._processing: asyncio.Task | None = None
        self._ticket = Ticket()
        self._created = False

    def processing(self, thread_ts: str | None) -> None:
        if thread_ts is None or self._processing is not None:
            return
        self.thread_ts = thread_ts
        self._processing = asyncio.ensure_future(self._create())

    async def _create(self) -> None:
        if self.budget is not None:
            await self.budget.open(self._ticket)  # its `active` is kept in reserve
            if not await self.budget.try_acquire(self._ticket):
                await self.budget.close(self._ticket)
                log.info("no agent session in %s: the workspace's setStatus budget is spent",
                         self.channel)
                return
        self._created = True
        extra = {"initiator_user_id": self.user, **({"title": self.title} if self.title else {})}
        await self._set("processing", 1, granted=True, **extra)

    async def active(self) -> None:
        if self._processing is None:
            return
        await asyncio.wait([self._processing])  # never reorder: processing first
        if not self._created:
            return
        self._ticket.final = True
        try:
            await self._set("active", ACTIVE_ATTEMPTS)
        finally:
            if self.budget is not None:
                await self.budget.close(self._ticket)

    async def _set(self, status: str, attempts: int, granted: bool = False,
                   **extra: str) -> None:
        """`granted`: the first call's turn of the budget was taken already."""
        for attempt in range(attempts):
            if self.budget is not None and not (granted and attempt == 0):
                await self.budget.acquire(self._ticket)
            try:
                await self.client.agents_sessions_setStatus(
                    channel_id=self.channel, thread_ts=self.thread_ts, status=status, **extra)
                return
            except SLACK_FAILURES as error:
                wait = retry_after(error)
                if wait is None or wait > LONGEST_WAIT or attempt == attempts - 1:
                    log.info("agent session status %s not set in %s: %s", status,
                             self.channel, slack_error(error))
                    return
                if self.budget is not None:
                    await self.budget.pause(wait)
                else:
                    await asyncio.sleep(wait)
            finally:
                if self.budget is not None:
                    await self.budget.done(self._ticket)


@dataclass(eq=False)
class Run:
    """One answer in flight in a thread, as the stop button sees it."""

    channel: str
    thread_ts: str
    task: asyncio.Task
    stopped_by: str | None = None  # who pressed stop
    streams: set[str] = field(default_factory=set)  # native stream ts of this answer
    stopped_streams: set[str] = field(default_factory=set)  # the streams Slack ended on stop
    ended: bool = False  # Claude is done: the answer is being delivered and stays as it is
    armed: bool = False  # its placeholder is up: a stop now cancels it (earlier, once up)

    def stop(self, user: str, streams: tuple[str, ...]) -> bool:
        if self.ended or self.stopped_by is not None:
            return False  # already over, or a second press: harmless
        self.stopped_by = user
        self.stopped_streams = set(streams)
        if self.armed:
            self.task.cancel()
        return True

    @property
    def stream_stopped(self) -> bool:
        """Slack already ended this answer's native stream."""
        return bool(self.streams & self.stopped_streams)

    def arm(self, stream_ts: str | None) -> None:
        """The placeholder is up (`stream_ts`: it is a native stream); a stop pressed before
        takes effect now."""
        if stream_ts:
            self.streams.add(stream_ts)
        self.armed = True
        if self.stopped_by is not None:
            self.task.cancel()


class Runs:
    """The answers in flight, by thread, so that a stop reaches every one of them."""

    def __init__(self) -> None:
        self._by_thread: dict[tuple[str, str], set[Run]] = {}
        # Tells the other processes about a stop (several instances); None: one process.
        self.relay: Callable[[str, str, str, tuple[str, ...]], Awaitable[None]] | None = None

    def begin(self, channel: str, thread_ts: str) -> Run:
        task = asyncio.current_task()
        assert task is not None
        run = Run(channel, thread_ts, task)
        self._by_thread.setdefault((channel, thread_ts), set()).add(run)
        return run

    def end(self, run: Run) -> None:
        run.ended = True
        runs = self._by_thread.get((run.channel, run.thread_ts))
        if runs is not None:
            runs.discard(run)
            if not runs:
                del self._by_thread[(run.channel, run.thread_ts)]

    def busy(self, channel: str, thread_ts: str | None) -> bool:
        """Another answer is still in flight in the thread (it will set the status itself)."""
        return bool(thread_ts and self._by_thread.get((channel, thread_ts)))

    async def press(self, channel: str, thread_ts: str, user: str,
                    streams: tuple[str, ...] = ()) -> int:
        """A stop Slack sent here: stop the answers of this process, and tell the others."""
        stopped = self.stop(channel, thread_ts, user, streams)
        if self.relay is not None:
            await self.relay(channel, thread_ts, user, streams)
        return stopped

    def stop(self, channel: str, thread_ts: str, user: str,
             streams: tuple[str, ...] = ()) -> int:
        """Stop every answer in flight in the thread; how many were stopped."""
        runs = list(self._by_thread.get((channel, thread_ts), ()))
        return sum(run.stop(user, streams) for run in runs)
