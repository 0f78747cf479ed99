"""`agent_session_stopped` (a person pressed Slack's stop button) → every answer in flight in
that thread stops; each finishes with what it said so far (see answer.py)."""

from __future__ import annotations

import logging

from slack_bolt.async_app import AsyncApp

from bot.answer import Deps
from bot.installation import installation_of
from bot.session import set_active
from bot.tasks import Inflight

log = logging.getLogger(__name__)


def register(app: AsyncApp, deps: Deps, inflight: Inflight) -> None:
    @app.event("agent_session_stopped")
    async def on_stopped(event: dict, body: dict, context) -> None:
        channel, thread_ts, user = event.get("channel"), event.get("thread_ts"), event.get("user")
        if not channel or not thread_ts or not user:
            return
        stopped, answering = await deps.runs.press(
            channel, thread_ts, user, tuple(event.get("streaming_message_ts") or ()))
        log.info("stop pressed in %s (thread %s): %s answer(s) stopped here", channel, thread_ts,
                 stopped)
        if not answering:
            # No answer in flight anywhere will end the session (it ended, or the process that
            # ran it died), and Slack leaves the status to the app.
            budget = deps.sessions.for_team(installation_of(body, context).id)
            inflight.spawn(set_active(deps.slack, budget, channel, thread_ts),
                           name=f"session active {channel}")
