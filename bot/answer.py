"""One answer end to end: placeholder → context → Claude stream → final edit."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import aiohttp
import anthropic
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.attachments.files import FileReader
from bot.attachments.links import ask_with_links, linked_images
from bot.claude import ClaudeResult
from bot.claude_loop import ToolHooks, answer_loop
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
    without_refused,
)
from bot.dedupe import MemoryDedupe
from bot.feedback import Feedback
from bot.footer import footer_text
from bot.ledger import Ledger
from bot.metrics import Metrics
from bot.notices import (
    BOT_FAILURE,
    EARLIER_LEFT_OUT,
    INTERRUPTED,
    cannot_post,
    files_not_shared,
    stop_notices,
    stopped_by,
)
from bot.policy.decide import AnswerSettings, answer_settings
from bot.policy.gate import over_ceiling
from bot.policy.live import LivePolicy
from bot.question import Question
from bot.recording import AnswerRecord
from bot.reply.budgets import WorkspaceBudgets
from bot.reply.citations import SourceBook
from bot.reply.ephemeral import post_ephemeral
from bot.reply.governor import Governors
from bot.reply.native import NativeWriter
from bot.reply.stream_budget import StreamBudgets
from bot.reply.uploads import share_files
from bot.reply.writer import ReplyWriter
from bot.session import Run, Runs, SessionStatus, title_of
from bot.slack_errors import SLACK_FAILURES, slack_error
from bot.threads import ThreadBook, fetch_thread, people_in
from bot.tools.company import CompanyTools
from bot.tools.outputs import fetch_outputs
from bot.tools.progress import cut_short, footer_counts

if TYPE_CHECKING:
    from bot.ledger import Ledger

log = logging.getLogger(__name__)

HISTORY_UNREAD = (":information_source: I couldn't read the earlier messages of this thread, "
                  "so I answered this message on its own.")
CONTEXT_MARGIN = 2_000  # tokens kept free beyond the estimate, for what it may miss


async def _no_feedback_hook(_feedback: Feedback) -> None:
    """Where a feedback click is recorded (ledger, metrics); nothing by default."""


@dataclass
class Deps:
    settings: Settings
    slack: AsyncWebClient
    claude: anthropic.AsyncAnthropic
    governors: Governors  # chat.update budgets, per workspace
    streams: Governors[StreamBudgets]  # native streaming budgets, per workspace
    budgets: Governors[WorkspaceBudgets]  # deletes, thread reads, sessions, posting pace
    http: aiohttp.ClientSession
    files: FileReader
    policy: LivePolicy  # who may ask, and with which settings in each channel
    threads: ThreadBook = field(default_factory=ThreadBook)
    dedupe: MemoryDedupe = field(default_factory=MemoryDedupe)
    me: Me = field(default_factory=lambda: Me(None))
    ledger: Ledger | None = None
    metrics: Metrics = field(default_factory=Metrics)
    runs: Runs = field(default_factory=Runs)  # answers in flight by thread, for the stop button
    on_feedback: Callable[[Feedback], Awaitable[None]] = _no_feedback_hook  # ledger + metrics
    company: CompanyTools = field(default_factory=CompanyTools)  # guests, search budgets


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
        messages = await fetch_thread(deps.slack, question.channel, question.thread_ts,
                                      deps.budgets.for_team(question.team).reads)
    except SLACK_FAILURES as error:
        log.warning("could not read thread %s in %s: %s", question.thread_ts, question.channel,
                    slack_error(error))
        return [question.message], [HISTORY_UNREAD]
    # Only what came before the answer was asked for; the question itself even if Slack's
    # copy of the thread does not have it yet.
    earlier = [m for m in messages if float(m.get("ts", 0)) < float(question.ts)]
    return [*earlier, question.message], []


def _request_turns(deps: Deps, effective: AnswerSettings, messages: list[dict],
                   attachments: dict[str, list[dict]], system: list[dict]
                   ) -> tuple[list[dict], bool]:
    budget = (context_window(effective.model) - effective.max_tokens
              - estimate_tokens(system) - CONTEXT_MARGIN)
    units, trimmed = fit_context(thread_units(messages, deps.me, attachments), max(budget, 1))
    return merge_turns(units), trimmed


def _effective(deps: Deps, question: Question) -> AnswerSettings:
    return question.settings or answer_settings(deps.policy.current.for_team(question.team),
                                                deps.settings, question.channel)


async def _ask(deps: Deps, question: Question, messages: list[dict], notices: list[str],
               on_text, record: AnswerRecord, hooks: ToolHooks, effective: AnswerSettings
               ) -> tuple[tuple[str, ...], str | None]:
    """Stream Claude's answer to the conversation into `on_text` (tool activity into `hooks`);
    the notices and footer."""
    settings = deps.settings
    # A refused exchange's files are never sent: they take no room in the request.
    wanted = without_refused(messages, deps.me)
    attachments, file_notices = await deps.files.for_messages(
        wanted, question.ts, effective.model, linked_images(wanted, deps.me, question.ts))
    system = system_prompt(effective.system_prompt)
    turns, trimmed = _request_turns(deps, effective, messages, attachments, system)
    if refusal := await over_ceiling(deps.claude, effective, system, turns):
        record.outcome, record.reason = "refused", refusal.reason
        return (refusal.message,), None
    answered = False

    def on_delta(delta: str) -> None:
        nonlocal answered
        answered = answered or bool(delta.strip())
        on_text(delta)

    tools = await deps.company.for_answer(
        deps.slack, effective.tools, deps.policy.current.mcp, user=question.user,
        team=question.team, outsiders=question.outsiders, action_token=question.action_token,
        follow_results=effective.tools.web.fetch_tool_result_urls,
        thread=(question.channel, question.thread_ts) if question.thread_ts else None)

    async def ask(turns: list[dict]) -> ClaudeResult:
        return await answer_loop(
            deps.claude, messages=turns, tools=tools.tools, mcp_servers=tools.mcp_servers,
            hooks=dataclasses.replace(hooks, run_client_tools=tools.run_client_tools),
            on_text=record.on_text(on_delta), on_usage=record.saw, model=effective.model,
            max_tokens=effective.max_tokens, system=system,
            idle_timeout=settings.claude_idle_timeout, effort=settings.claude_effort)

    result, link_notices = await ask_with_links(ask, turns)
    record.result = result
    notices = [*notices, *file_notices, *link_notices, *([EARLIER_LEFT_OUT] if trimmed else []),
               *stop_notices(result, effective.max_tokens, answered)]
    return tuple(notices), _footer(deps, question, record)


def _footer(deps: Deps, question: Question, record: AnswerRecord) -> str:
    return footer_text(record.model, record.usage, time.monotonic() - question.received_at,
                       deps.settings.claude_prices, footer_counts(record.steps))


def _hooks(writer: ReplyWriter, record: AnswerRecord) -> ToolHooks:
    def on_steps(steps: tuple) -> None:
        record.steps = steps
        writer.show_steps(steps)
    return ToolHooks(on_steps=on_steps, on_cite=writer.cite)


async def _hand_back_files(deps: Deps, question: Question, writer: ReplyWriter,
                           record: AnswerRecord) -> list[str]:
    """Files code execution made, shared in the thread under the answer; the notice naming
    those that could not be."""
    made_ids = getattr(record.result, "files", None)
    if not made_ids:
        return []
    made, missed = await fetch_outputs(deps.claude, made_ids, deps.settings.max_file_mb)
    missed += await share_files(deps.slack, question.channel,
                                question.thread_ts or writer.first_ts, made)
    return [files_not_shared(missed)] if missed else []


def _writer(deps: Deps, question: Question) -> ReplyWriter:
    common = {"channel": question.channel, "thread_ts": question.thread_ts,
              "interval": deps.settings.slack_update_interval,
              "budgets": deps.budgets.for_team(question.team)}
    governor = deps.governors.for_team(question.team)
    if question.slash:  # a new message in the channel, headed by the question
        return ReplyWriter(deps.slack, governor, header=_header(question), metadata={
            "event_type": QUESTION_EVENT,
            "event_payload": {"user": question.user, "text": question.text}}, **common)
    if deps.settings.slack_streaming == "native":
        return NativeWriter(deps.slack, governor, streams=deps.streams.for_team(question.team),
                            user=question.user, team=question.user_team or question.team,
                            **common)
    return ReplyWriter(deps.slack, governor, **common)


async def answer(deps: Deps, question: Question) -> None:
    """Answer in Slack, then record the answer (ledger row, metrics) whatever its outcome."""
    writer = _writer(deps, question)
    placeholder = asyncio.ensure_future(writer.start())  # first: nothing may delay it
    record = AnswerRecord(question, deps.settings, deps.metrics, deps.ledger)
    deps.files.prefetch(question.files)  # the question's files download alongside it
    status = SessionStatus(deps.slack, deps.budgets.for_team(question.team).sessions,
                           question.channel, question.user,
                           title_of(question.text, deps.me.user_id),
                           follow_up=question.in_thread)
    run = deps.runs.begin(question.channel, question.thread_ts) if question.thread_ts else None
    try:
        try:
            await placeholder
        except SLACK_FAILURES as error:
            log.warning("could not post in %s: %s", question.channel, slack_error(error))
            record.outcome = "failed"  # unless it can be answered privately
            if question.response_url:
                await _answer_privately(deps, question, record, cannot_post(
                    slack_error(error), isinstance(error, SlackApiError)))
            return
        record.placeholder_posted(writer.first_ts)
        # Slack shows it working, with a stop button; sent once the placeholder is up, so that
        # in a burst of questions no placeholder waits behind another answer's status call.
        # /claude: the session is the answer's own thread.
        status.processing(question.thread_ts or writer.first_ts)
        run = run or deps.runs.begin(question.channel, writer.first_ts)
        run.arm(writer.stream_ts if isinstance(writer, NativeWriter) else None)
        await _reply(deps, question, writer, run, record, status)
    finally:
        if run is not None:
            deps.runs.end(run)
        await record.finish()  # the ledger row first: Slack's status may take a while
        if not deps.runs.busy(question.channel, status.thread_ts):
            # the thread's last answer in flight says it is done
            await status.active(isinstance(writer, NativeWriter) and writer.session_ended)


async def _reply(deps: Deps, question: Question, writer: ReplyWriter, run: Run,
                 record: AnswerRecord, status: SessionStatus) -> None:
    try:
        messages, notices = await _conversation(deps, question)
        await deps.threads.join(question.channel, question.thread_ts or writer.first_ts,
                                people_in(messages, deps.me.user_id) | {question.user})
        effective = _effective(deps, question)  # once: the tools shown are the tools offered
        if effective.tools:
            writer.expect_tools()
        notices, footer = await _ask(deps, question, messages, notices, writer.add_text,
                                     record, _hooks(writer, record), effective)
        notices = (*notices, *await _hand_back_files(deps, question, writer, record))
        if cut_short(record.steps, "the answer ended first"):
            writer.show_steps(record.steps)
        run.ended = True  # from here on a stop changes nothing
        answered = record.answered
        closing = {}
        if isinstance(writer, NativeWriter) and status.settled() and deps.runs.alone(run):
            closing["session_status"] = "active"  # the stream's stopStream ends the session
        await writer.finish(notices, footer,
                            feedback=(question.ts or writer.first_ts) if answered else None,
                            **closing)
    except asyncio.CancelledError:
        if run.stopped_by is None:  # shutting down: never leave a bare placeholder
            record.outcome = "interrupted"
            await writer.interrupt(INTERRUPTED)
            raise
        asyncio.current_task().uncancel()  # the stop button: finish with what was said so far
        record.outcome = "stopped"
        if run.stream_stopped and isinstance(writer, NativeWriter):
            writer.halt()  # Slack ended the stream: not to be appended to or stopped again
        if cut_short(record.steps, "stopped"):
            writer.show_steps(record.steps)
        await writer.finish((stopped_by(run.stopped_by),), _footer(deps, question, record))
    except Exception:
        log.exception("answer failed in %s", question.channel)
        record.outcome = "failed"
        await writer.finish((BOT_FAILURE,))


async def _answer_privately(deps: Deps, question: Question, record: AnswerRecord,
                            why: str) -> None:
    """/claude where the bot may not post: the answer goes to the asker alone."""
    pieces: list[str] = []
    try:
        await post_ephemeral(deps.http, question.response_url, why)
        record.outcome = None  # answered privately after all, unless this fails too
        book = SourceBook()
        cite = ToolHooks(on_steps=lambda steps: setattr(record, "steps", steps),
                         on_cite=lambda sources: pieces.append(book.markers(sources)))
        notices, footer = await _ask(deps, question, [question.message], [], pieces.append,
                                     record, cite, _effective(deps, question))
        text = "".join(pieces)
        sources = book.listed(text)  # the private answer lists its sources too
        await post_ephemeral(deps.http, question.response_url, text,
                             (*([sources] if sources else []), *notices), footer,
                             header=_header(question))
    except Exception:
        log.exception("private answer failed in %s", question.channel)
        record.outcome = "failed"
