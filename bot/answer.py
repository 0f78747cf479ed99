"""One answer end to end: placeholder → context → Claude stream → final edit (SPEC §3, §4, §7)."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import aiohttp
import anthropic
from slack_sdk.web.async_client import AsyncWebClient

from bot.attachments.files import FileReader
from bot.claude import stream_answer
from bot.config import Settings
from bot.conversation import (
    QUESTION_EVENT,
    Me,
    context_window,
    estimate_tokens,
    fit_context,
    merge_turns,
    system_prompt,
    thread_units,
)
from bot.dedupe import MemoryDedupe
from bot.feedback import Feedback
from bot.footer import Usage, footer_text
from bot.notices import BOT_FAILURE, EARLIER_LEFT_OUT, INTERRUPTED, stop_notices, stopped_by
from bot.reply.ephemeral import post_ephemeral
from bot.reply.governor import Governors
from bot.reply.native import NativeWriter
from bot.reply.writer import ReplyWriter
from bot.session import Run, Runs, SessionStatus, title_of
from bot.slack_errors import SLACK_FAILURES, slack_error
from bot.threads import ThreadBook, fetch_thread, people_in

log = logging.getLogger(__name__)

HISTORY_UNREAD = (":information_source: I couldn't read the earlier messages of this thread, "
                  "so I answered this message on its own.")
NOT_IN_CHANNEL = (":information_source: I'm not in this channel, so only you will see my answer. "
                  "Invite me with `/invite @Claude` to answer here for everyone.")
CONTEXT_MARGIN = 2_000  # tokens kept free beyond the estimate, for what it may miss


@dataclass(frozen=True)
class Question:
    """A person's message the bot answers, and where the answer goes."""

    team: str
    channel: str
    thread_ts: str | None  # the conversation's root; None: a new top-level message (/claude)
    ts: str  # the message being answered ("" for /claude)
    user: str
    text: str
    files: tuple[dict, ...] = ()
    in_thread: bool = False  # earlier messages of the thread are part of the conversation
    slash: bool = False  # asked with /claude: the answer quotes the question
    response_url: str | None = None  # where to answer when the bot cannot post in the channel
    received_at: float = field(default_factory=time.monotonic)

    @property
    def message(self) -> dict:
        """The question as a Slack message, for when the thread is not (or cannot be) read."""
        return {"type": "message", "user": self.user, "text": self.text, "ts": self.ts,
                "files": list(self.files)}


async def _no_feedback_hook(_feedback: Feedback) -> None:
    """Where a feedback click is recorded (ledger, metrics); nothing by default."""


@dataclass
class Deps:
    settings: Settings
    slack: AsyncWebClient
    claude: anthropic.AsyncAnthropic
    governors: Governors  # chat.update budgets, per workspace
    append_governors: Governors  # chat.appendStream budgets (native streaming)
    http: aiohttp.ClientSession
    files: FileReader
    threads: ThreadBook = field(default_factory=ThreadBook)
    dedupe: MemoryDedupe = field(default_factory=MemoryDedupe)
    me: Me = field(default_factory=lambda: Me(None))
    runs: Runs = field(default_factory=Runs)  # answers in flight by thread, for the stop button
    on_feedback: Callable[[Feedback], Awaitable[None]] = _no_feedback_hook  # ledger + metrics


@dataclass
class Progress:
    """How far an answer got: Claude's model and usage as its stream reported them, and how it
    ended (answered, stopped, failed or interrupted) — what a usage record needs."""

    model: str
    usage: Usage = field(default_factory=Usage)
    outcome: str | None = None

    def saw(self, model: str, usage: Usage) -> None:
        self.model, self.usage = model, usage


def _header(question: Question) -> str | None:
    if not question.slash:
        return None
    quoted = "\n".join(f">{line}" for line in question.text.splitlines()) or ">"
    return f"<@{question.user}> asked:\n{quoted}"


async def _conversation(deps: Deps, question: Question) -> tuple[list[dict], list[str]]:
    """The thread as Slack messages (read once the placeholder is up) and any notice."""
    if not question.in_thread:
        return [question.message], []
    try:
        messages = await fetch_thread(deps.slack, question.channel, question.thread_ts)
    except SLACK_FAILURES as error:
        log.warning("could not read thread %s in %s: %s", question.thread_ts, question.channel,
                    slack_error(error))
        return [question.message], [HISTORY_UNREAD]
    # Only what came before the answer was asked for; the question itself even if Slack's
    # copy of the thread does not have it yet.
    earlier = [m for m in messages if float(m.get("ts", 0)) < float(question.ts)]
    return [*earlier, question.message], []


def _request_turns(deps: Deps, messages: list[dict], attachments: dict[str, list[dict]],
                   system: list[dict]) -> tuple[list[dict], bool]:
    settings = deps.settings
    budget = (context_window(settings.claude_model) - settings.claude_max_tokens
              - estimate_tokens(system) - CONTEXT_MARGIN)
    units, trimmed = fit_context(thread_units(messages, deps.me, attachments), max(budget, 1))
    return merge_turns(units), trimmed


async def _ask(deps: Deps, question: Question, messages: list[dict], notices: list[str],
               on_text, progress: Progress | None = None) -> tuple[tuple[str, ...], str]:
    """Stream Claude's answer to the conversation into `on_text`; the notices and footer."""
    settings = deps.settings
    attachments, file_notices = await deps.files.for_messages(messages, question.ts)
    system = system_prompt(settings.claude_system_prompt)
    turns, trimmed = _request_turns(deps, messages, attachments, system)
    answered = False

    def on_delta(delta: str) -> None:
        nonlocal answered
        answered = answered or bool(delta.strip())
        on_text(delta)

    result = await stream_answer(
        deps.claude, model=settings.claude_model, max_tokens=settings.claude_max_tokens,
        system=system, messages=turns, idle_timeout=settings.claude_idle_timeout,
        on_text=on_delta, on_usage=progress.saw if progress else None)
    if progress is not None:
        progress.outcome = "failed" if result.failure else "answered"
    notices = [*notices, *file_notices, *([EARLIER_LEFT_OUT] if trimmed else []),
               *stop_notices(result, settings.claude_max_tokens, answered)]
    footer = footer_text(result.model, result.usage, time.monotonic() - question.received_at,
                         settings.claude_prices)
    return tuple(notices), footer


def _writer(deps: Deps, question: Question) -> ReplyWriter:
    common = {"channel": question.channel, "thread_ts": question.thread_ts,
              "interval": deps.settings.slack_update_interval}
    governor = deps.governors.for_team(question.team)
    if question.slash:  # a new message in the channel, headed by the question
        return ReplyWriter(deps.slack, governor, header=_header(question), metadata={
            "event_type": QUESTION_EVENT,
            "event_payload": {"user": question.user, "text": question.text}}, **common)
    if deps.settings.slack_streaming == "native":
        return NativeWriter(deps.slack, governor, appends=deps.append_governors.for_team(
            question.team), user=question.user, team=question.team, **common)
    return ReplyWriter(deps.slack, governor, **common)


async def answer(deps: Deps, question: Question) -> Progress:
    """Answer `question` in Slack; what it came to (for the usage record)."""
    progress = Progress(deps.settings.claude_model)
    writer = _writer(deps, question)
    placeholder = asyncio.ensure_future(writer.start())  # first: nothing may delay it (§4, §8)
    deps.files.prefetch(question.files)  # the question's files download alongside it
    status = SessionStatus(deps.slack, question.channel, question.user, title_of(question.text))
    run = deps.runs.begin(question.channel, question.thread_ts) if question.thread_ts else None
    try:
        try:
            await placeholder
        except SLACK_FAILURES as error:
            log.warning("could not post in %s: %s", question.channel, slack_error(error))
            progress.outcome = "failed"  # unless it can be answered privately
            if question.response_url:
                await _answer_privately(deps, question, progress)
            return progress
        # Slack shows it working, with a stop button; sent once the placeholder is up, so that
        # in a burst of questions no placeholder waits behind another answer's status call.
        # /claude: the session is the answer's own thread.
        status.processing(question.thread_ts or writer.first_ts)
        run = run or deps.runs.begin(question.channel, writer.first_ts)
        run.arm(writer.stream_ts if isinstance(writer, NativeWriter) else None)
        await _reply(deps, question, writer, run, progress)
        return progress
    finally:
        if run is not None:
            deps.runs.end(run)
        if not deps.runs.busy(question.channel, status.thread_ts):
            await status.active()  # the thread's last answer in flight says it is done


async def _reply(deps: Deps, question: Question, writer: ReplyWriter, run: Run,
                 progress: Progress) -> None:
    try:
        messages, notices = await _conversation(deps, question)
        await deps.threads.join(question.channel, question.thread_ts or writer.first_ts,
                                people_in(messages, deps.me.user_id) | {question.user})
        notices, footer = await _ask(deps, question, messages, notices, writer.add_text,
                                     progress)
        run.ended = True  # from here on a stop changes nothing
        answered = progress.outcome == "answered"
        await writer.finish(notices, footer,
                            feedback=(question.ts or writer.first_ts) if answered else None)
    except asyncio.CancelledError:
        if run.stopped_by is None:  # shutting down: never leave a bare placeholder
            progress.outcome = "interrupted"
            await writer.interrupt(INTERRUPTED)
            raise
        asyncio.current_task().uncancel()  # the stop button: finish with what was said so far
        progress.outcome = "stopped"
        if run.stream_stopped and isinstance(writer, NativeWriter):
            writer.halt()  # Slack ended the stream: not to be appended to or stopped again
        await writer.finish((stopped_by(run.stopped_by),), footer_text(
            progress.model, progress.usage, time.monotonic() - question.received_at,
            deps.settings.claude_prices))
    except Exception:
        log.exception("answer failed in %s", question.channel)
        progress.outcome = "failed"
        await writer.finish((BOT_FAILURE,))


async def _answer_privately(deps: Deps, question: Question, progress: Progress) -> None:
    """/claude where the bot may not post: the answer goes to the asker alone."""
    pieces: list[str] = []
    try:
        await post_ephemeral(deps.http, question.response_url, NOT_IN_CHANNEL)
        notices, footer = await _ask(deps, question, [question.message], [], pieces.append,
                                     progress)
        await post_ephemeral(deps.http, question.response_url, "".join(pieces), notices, footer,
                             header=_header(question))
    except Exception:
        log.exception("private answer failed in %s", question.channel)
        progress.outcome = "failed"
