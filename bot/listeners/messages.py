"""`message` events → an answer when no mention is needed: always in a DM; in a
thread the bot is in, while the person writing is the only human there. Everything else is
ignored without a single Slack or Claude call."""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp

from bot.answer import Deps
from bot.installation import installation_of
from bot.listeners import hand_on
from bot.listeners.mentions import question_from
from bot.policy.origin import event_asker
from bot.tasks import Inflight

# Edits, deletions, joins and the like are not someone asking something.
ANSWERABLE_SUBTYPES = {None, "file_share", "thread_broadcast"}


async def wants_answer(event: dict, deps: Deps) -> bool:
    me = deps.me
    if event.get("subtype") not in ANSWERABLE_SUBTYPES or event.get("bot_id") or me.wrote(event) \
            or event.get("edited"):
        return False
    if not event.get("user") or not event.get("channel") or not event.get("ts"):
        return False
    if event.get("channel_type") == "im":
        return True
    if me.user_id and f"<@{me.user_id}>" in (event.get("text") or ""):
        return True  # normally the app_mention twin; this copy counts if it comes first
    thread_ts = event.get("thread_ts")
    if not thread_ts:
        return False
    people = await deps.threads.saw(event["channel"], thread_ts, event["user"])
    return people is not None and people == {event["user"]}


def register(app: AsyncApp, deps: Deps, inflight: Inflight) -> None:
    @app.event("message")
    async def on_message(event: dict, body: dict, context) -> None:
        if await wants_answer(event, deps):
            installation = installation_of(body, context)
            question = question_from(event, installation)
            await hand_on(deps, inflight, question, f"{question.channel}:{question.ts}",
                          event_asker(event, body, installation))
