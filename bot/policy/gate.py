"""The policy at work: decide a question before anything is posted; refuse with a single
ephemeral message; stop a request over the per-request ceiling. Every refusal is a ledger row."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import anthropic

from bot.attachments.links import image_block, links_in, without_links
from bot.config import Settings
from bot.conversation import estimate_tokens
from bot.ledger import UsageRow
from bot.policy.decide import (
    AnswerSettings,
    Asker,
    Refusal,
    answer_settings,
    decide,
    month_bounds,
)
from bot.policy.rules import Policy
from bot.policy.usage import usage_text, workspace_breakdown
from bot.question import Question
from bot.slack_errors import SLACK_FAILURES, slack_error

if TYPE_CHECKING:
    from slack_sdk.web.async_client import AsyncWebClient

    from bot.ledger import Ledger

log = logging.getLogger(__name__)

COUNT_TIMEOUT = 30.0  # seconds for one token count


def admit(policy: Policy, settings: Settings, ledger: Ledger | None, asker: Asker,
          now: datetime | None = None) -> AnswerSettings | Refusal:
    """The settings to answer with, or why not. Cheap: no I/O (the ledger's totals are in
    memory), so it never delays the placeholder."""
    policy = policy.for_team(asker.team)
    spent = ledger.spent if ledger is not None else None
    refusal = decide(policy, asker, spent, now or datetime.now(UTC))
    return refusal or answer_settings(policy, settings, asker.channel)


async def record_refusal(ledger: Ledger | None, policy: Policy, settings: Settings, *,
                         team: str, channel: str, thread_ts: str | None, ts: str, user: str,
                         reason: str, seconds: float = 0.0) -> None:
    if ledger is None:
        return
    model = answer_settings(policy.for_team(team), settings, channel).model
    await ledger.record(UsageRow(
        time=datetime.now(UTC), team=team, channel=channel, thread_ts=thread_ts, ts=ts,
        user=user, model=model, outcome="refused", reason=reason, seconds=seconds))


async def refuse(slack: AsyncWebClient, ledger: Ledger | None, policy: Policy,
                 settings: Settings, asker: Asker, question: Question, refusal: Refusal) -> None:
    """Exactly one Slack call: the reason, to the asker alone, in the question's thread when
    there is one: Slack does not show an ephemeral message under a message that has no replies
    yet (api.slack.com/methods/chat.postEphemeral, `thread_ts`)."""
    log.info("refused %s in %s (%s)", asker.user, asker.channel, refusal.reason)
    try:
        await slack.chat_postEphemeral(
            channel=asker.channel, user=asker.user, text=refusal.message,
            thread_ts=question.thread_ts if question.in_thread else None)
    except SLACK_FAILURES as error:
        log.warning("could not tell %s in %s why: %s", asker.user, asker.channel,
                    slack_error(error))
    await record_refusal(ledger, policy, settings, team=asker.team, channel=asker.channel,
                         thread_ts=question.thread_ts, ts=question.ts, user=asker.user,
                         reason=refusal.reason)


async def over_ceiling(claude: anthropic.AsyncAnthropic, settings: AnswerSettings,
                       system: list[dict], turns: list[dict]) -> Refusal | None:
    """A refusal when the request is larger than `request_tokens`. The local estimate errs
    high, so only a request it puts over the ceiling is measured by the API's token count."""
    ceiling = settings.request_tokens
    if ceiling is None:
        return None
    estimate = estimate_tokens(system) + sum(estimate_tokens(t["content"]) for t in turns)
    if estimate <= ceiling:
        return None
    try:  # token counting refuses url sources (token-counting docs): linked images are guessed
        counted = await claude.messages.count_tokens(
            model=settings.model, system=system, messages=without_links(turns),
            timeout=COUNT_TIMEOUT)
    except anthropic.APIError as error:
        log.warning("could not count the request's tokens (%s): answering without the "
                    "per-request ceiling", type(error).__name__)
        return None
    tokens = counted.input_tokens + estimate_tokens([image_block(u) for u in links_in(turns)])
    if tokens <= ceiling:
        return None
    return Refusal("request_tokens", (
        f":no_entry_sign: This conversation is too large to answer: {tokens:,} "
        f"tokens, more than the {ceiling:,} one answer may send. Start a new thread or share "
        "fewer files."))


async def usage_report(policy: Policy, ledger: Ledger | None, team: str, user: str) -> str:
    """`/claude usage` for `user`; admins also get the workspace's month."""
    policy = policy.for_team(team)
    now = datetime.now(UTC)
    breakdown = None
    if ledger is not None and user in policy.admins:
        breakdown = await workspace_breakdown(ledger, team, *month_bounds(now, policy.timezone))
    spent = ledger.spent if ledger is not None else None
    return usage_text(policy, spent, team, user, now, breakdown)
