"""Clicks on an answer's feedback buttons (`block_actions`): acked at once, recorded through
`Deps.on_feedback` (ledger, metrics) and thanked with a message only the person sees."""

from __future__ import annotations

import logging

from slack_bolt.async_app import AsyncApp

from bot.answer import Deps
from bot.feedback import ACTION_ID, THANKS, Feedback, read_value
from bot.installation import Installation, installation_of
from bot.slack_errors import SLACK_FAILURES, slack_error
from bot.tasks import Inflight

log = logging.getLogger(__name__)


def feedback_from(body: dict, action: dict, installation: Installation) -> Feedback | None:
    """The click's `team` is the clicker's workspace (null on org-wide installs), not the
    installation the answer was recorded under."""
    read = read_value(action.get("value") or "")
    container = body.get("container") or {}
    channel = (body.get("channel") or {}).get("id") or container.get("channel_id")
    user = (body.get("user") or {}).get("id")
    message_ts = container.get("message_ts") or (body.get("message") or {}).get("ts")
    if read is None or not channel or not user or not message_ts:
        return None
    value, answer_ts = read
    thread_ts = container.get("thread_ts") or (body.get("message") or {}).get("thread_ts")
    return Feedback(team=installation.id, channel=channel,
                    answer_ts=answer_ts or message_ts, message_ts=message_ts,
                    thread_ts=thread_ts, user=user, value=value)


async def _record_and_thank(deps: Deps, feedback: Feedback) -> None:
    try:
        await deps.on_feedback(feedback)
    except Exception:  # a failed record never costs the person their thanks
        log.exception("feedback could not be recorded in %s", feedback.channel)
    try:
        await deps.slack.chat_postEphemeral(channel=feedback.channel, user=feedback.user,
                                            thread_ts=feedback.thread_ts, text=THANKS)
    except SLACK_FAILURES as error:
        log.info("could not thank for feedback in %s: %s", feedback.channel, slack_error(error))


def register(app: AsyncApp, deps: Deps, inflight: Inflight) -> None:
    @app.action(ACTION_ID)
    async def on_feedback(ack, body: dict, action: dict, context) -> None:
        await ack()  # within Slack's 3 s, before anything else
        feedback = feedback_from(body, action, installation_of(body, context))
        if feedback is not None:
            inflight.spawn(_record_and_thank(deps, feedback), name=f"feedback {feedback.user}")
