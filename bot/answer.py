"""One answer end to end: placeholder ‖ context → Claude stream → final edit (SPEC §4, §7)."""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass, field

import anthropic
from slack_sdk.web.async_client import AsyncWebClient

from bot.claude import ClaudeResult, stream_answer
from bot.config import Settings
from bot.conversation import decode_slack_text, system_prompt
from bot.footer import footer_text
from bot.reply.governor import Governors
from bot.reply.writer import ReplyWriter
from bot.slack_calls import SLACK_FAILURES, slack_error

log = logging.getLogger(__name__)

BOT_FAILURE = (":warning: Something went wrong on the bot's side, so this answer could not be "
               "finished. Please try again.")


@dataclass(frozen=True)
class Question:
    """A person's message the bot answers, and where the answer goes."""

    team: str
    channel: str
    thread_ts: str  # the conversation's root: the answer goes in its thread
    ts: str  # the message being answered
    user: str
    text: str
    files: tuple[dict, ...] = ()
    received_at: float = field(default_factory=time.monotonic)


@dataclass
class Deps:
    settings: Settings
    slack: AsyncWebClient
    claude: anthropic.AsyncAnthropic
    governors: Governors
    bot_user_id: str | None = None


def stop_notices(result: ClaudeResult, settings: Settings, answered: bool) -> tuple[str, ...]:
    notices = []
    if result.stop_reason == "max_tokens":
        notices.append(f":warning: The answer was cut off at the output limit "
                       f"({settings.claude_max_tokens:,} tokens).")
    elif result.stop_reason == "refusal":
        notices.append(":no_entry_sign: Claude declined to answer this request.")
    elif result.stop_reason == "model_context_window_exceeded":
        notices.append(":warning: The conversation filled Claude's context window, so the "
                       "answer was cut short. Start a new thread to go on.")
    if result.failure:
        lead = "The answer stopped early" if answered else "No answer"
        rid = f" (request id `{result.request_id}`)" if result.request_id else ""
        notices.append(f":warning: {lead}: {result.failure}.{rid}")
    elif not answered and result.stop_reason not in ("refusal", "max_tokens"):
        notices.append(":grey_question: Claude returned an empty answer.")
    return tuple(notices)


def user_turns(question: Question, bot_user_id: str | None) -> list[dict]:
    text = decode_slack_text(question.text, bot_user_id) or "(no text)"
    return [{"role": "user", "content": [{"type": "text", "text": f"<@{question.user}>: {text}"}]}]


async def answer(deps: Deps, question: Question) -> None:
    settings = deps.settings
    writer = ReplyWriter(deps.slack, deps.governors.for_team(question.team),
                         channel=question.channel, thread_ts=question.thread_ts,
                         interval=settings.slack_update_interval)
    try:  # the placeholder goes first: nothing else may delay it (SPEC §4, §8)
        await writer.start()
    except SLACK_FAILURES as error:
        log.warning("could not post the placeholder in %s: %s", question.channel,
                    slack_error(error))
        return
    claude = asyncio.create_task(stream_answer(
        deps.claude, model=settings.claude_model, max_tokens=settings.claude_max_tokens,
        system=system_prompt(settings.claude_system_prompt),
        messages=user_turns(question, deps.bot_user_id),
        idle_timeout=settings.claude_idle_timeout, on_text=writer.add_text))
    try:
        result = await claude
        notices = stop_notices(result, settings, answered=bool(writer.text.strip()))
        footer = footer_text(result.model, result.usage, time.monotonic() - question.received_at,
                             settings.claude_prices)
        await writer.finish(notices, footer)
    except Exception:
        log.exception("answer failed in %s", question.channel)
        claude.cancel()
        await writer.finish((BOT_FAILURE,))
