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
import functools
import logging
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from slack_sdk.web.async_client import AsyncWebClient

from bot.conversation import decode_slack_text
from bot.reply.governor import Ticket, WorkspaceGovernor, in_turn
from bot.slack_errors import SLACK_FAILURES, slack_error
from bot.slack_retry import retrying

log = logging.getLogger(__name__)

TITLE_LIMIT = 200
STATUS_CALLS_PER_MINUTE = 50  # Tier 3, per workspace
ACTIVE_RETRY_SECONDS = 60.0  # the final `active` rides out failures this long (at least 30 s)
# A person's mention as Slack writes it: `<@U…>` or `<@U…|name>`.
_MENTION = re.compile(r"<@[UW][A-Z0-9]+(?:\|([^>]*))?>")


def title_of(question: str, bot_user_id: str | None = None) -> str:
    """The session's title, in plain text: the question's first line, with people named when
    Slack gives their name and their mention removed otherwise, channels and links as a
    person reads them (never `<@U…>` or other markup)."""
    text = decode_slack_text(_MENTION.sub(lambda m: f"@{m.group(1)}" if m.group(1) else "",
                                          question), bot_user_id)
    lines = [" ".join(line.split()) for line in text.splitlines()]
    first = next((line for line in lines if line), "")
    return first if len(first) <= TITLE_LIMIT else first[: TITLE_LIMIT - 1] + "…"


async def set_status(client: AsyncWebClient, budget: WorkspaceGovernor, ticket: Ticket,
                     **params: str) -> None:
    """One agents.sessions.setStatus call in its turn of the workspace's budget; a 429 pauses
    the budget for as long as Slack asked."""
    await in_turn(budget, ticket, functools.partial(client.agents_sessions_setStatus, **params))


async def set_active(client: AsyncWebClient, budget: WorkspaceGovernor, channel: str,
                     thread_ts: str, ticket: Ticket | None = None) -> None:
    """Set the session back to `active`, first in line, riding out a 429, a 5xx or a dropped
    connection for ACTIVE_RETRY_SECONDS: a session left `processing` shows an endless spinner
    and a stop button that does nothing. Never raises."""
    call = functools.partial(set_status, client, budget, ticket or Ticket(final=True),
                             channel_id=channel, thread_ts=thread_ts, status="active")
    try:
        await retrying(call, time.monotonic() + ACTIVE_RETRY_SECONDS)
    except SLACK_FAILURES as error:
        log.info("agent session status active not set in %s: %s", channel, slack_error(error))


class SessionStatus:
    """The setStatus calls of one answer. They never delay or fail it. `processing` goes out
    alongside the placeholder only when the workspace's budget has room at once (a status that
    comes late is no use), and then holds a place in the budget for its `active`; `active`
    waits for `processing` (so Slack gets them in order) and is retried (set_active)."""

    def __init__(self, client: AsyncWebClient, budget: WorkspaceGovernor, channel: str,
                 user: str, title: str, follow_up: bool = False) -> None:
        self.client = client
        self.budget = budget
        self.channel = channel
        self.user = user
        self.title = title
        # An answer in a thread that had answers before: one of them may have left the
        # session `processing`, so this one ends it even if its own `processing` was skipped.
        self.follow_up = follow_up
        self.thread_ts: str | None = None
        self._processing: asyncio.Task | None = None
        self._sent = False  # this answer's `processing` went out
        self._active = Ticket(final=True)

    def processing(self, thread_ts: str | None) -> None:
        if thread_ts is None or self._processing is not None:
            return
        self.thread_ts = thread_ts
        self._processing = asyncio.ensure_future(self._set_processing())

    async def _set_processing(self) -> None:
        ticket = Ticket()
        if not await self.budget.try_acquire(ticket):
            log.info("agent session status processing skipped in %s: budget spent",
                     self.channel)
            return
        await self.budget.open(self._active)  # a place for the `active` that ends it
        self._sent = True
        extra = {"initiator_user_id": self.user, **({"title": self.title} if self.title else {})}
        try:  # never retried; a 429 is left to `active`, the call that matters, to honour
            await self.client.agents_sessions_setStatus(
                channel_id=self.channel, thread_ts=self.thread_ts, status="processing", **extra)
        except SLACK_FAILURES as error:
            log.info("agent session status processing not set in %s: %s", self.channel,
                     slack_error(error))
        finally:
            await self.budget.done(ticket)

    def settled(self) -> bool:
        """`processing` is over (sent, refused or skipped): what follows cannot overtake it."""
        return self._processing is not None and self._processing.done()

    async def active(self, already: bool = False) -> None:
        """The answer is over (the thread's last in flight): the session back to `active`
        (`already`: its last message did that). Sent when this answer's `processing` went out,
        or in a follow-up even if it was skipped (an earlier answer of the thread may have left
        the session `processing`); a new thread whose `processing` was skipped has no session
        to end, and its `active` would only take a turn another answer needs."""
        if self._processing is None:
            return
        await asyncio.wait([self._processing])  # never reorder: processing first
        try:
            if not already and (self._sent or self.follow_up):
                await set_active(self.client, self.budget, self.channel, self.thread_ts,
                                 self._active)
        finally:
            await self.budget.close(self._active)


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
        # Tells the other processes about a stop (several instances) and says whether any of
        # them still has an answer in flight in that thread; None: one process.
        self.relay: Callable[[str, str, str, tuple[str, ...]], Awaitable[bool]] | None = None

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

    def alone(self, run: Run) -> bool:
        """No other answer is in flight in `run`'s thread."""
        return self._by_thread.get((run.channel, run.thread_ts), set()) <= {run}

    def busy(self, channel: str, thread_ts: str | None) -> bool:
        """Another answer is still in flight in the thread (it will set the status itself)."""
        return bool(thread_ts and self._by_thread.get((channel, thread_ts)))

    async def press(self, channel: str, thread_ts: str, user: str,
                    streams: tuple[str, ...] = ()) -> tuple[int, bool]:
        """A stop Slack sent here: stop the answers of this process, and tell the others. How
        many stopped here, and whether an answer is still in flight in the thread in any
        process (it then sets the session back to `active` when it ends)."""
        stopped = self.stop(channel, thread_ts, user, streams)
        elsewhere = False
        if self.relay is not None:
            elsewhere = await self.relay(channel, thread_ts, user, streams)
        return stopped, elsewhere or self.busy(channel, thread_ts)

    def stop(self, channel: str, thread_ts: str, user: str,
             streams: tuple[str, ...] = ()) -> int:
        """Stop every answer in flight in the thread; how many were stopped."""
        runs = list(self._by_thread.get((channel, thread_ts), ()))
        return sum(run.stop(user, streams) for run in runs)
