"""`app_mention` → an answer in the mention's thread."""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp

from bot.answer import Deps
from bot.installation import Installation, installation_of
from bot.listeners import hand_on
from bot.policy.origin import event_asker
from bot.question import Question
from bot.tasks import Inflight


def question_from(event: dict, installation: Installation) -> Question:
    """A person's message event (mention or message) as the question to answer; its budgets
    are the installation's, never the event's `team` (Slack Connect)."""
    thread_ts = event.get("thread_ts")
    return Question(
        team=installation.id,
        user_team=_workspace(event) or installation.team or installation.id,
        channel=event["channel"],
        thread_ts=thread_ts or event["ts"],
        ts=event["ts"],
        user=event["user"],
        text=event.get("text") or "",
        files=tuple(event.get("files") or ()),
        in_thread=bool(thread_ts and thread_ts != event["ts"]),
    )


def _workspace(event: dict) -> str | None:
    """The asker's own workspace (T…): `user_team` may name their organisation (E…) instead."""
    return next((team for team in (event.get("user_team"), event.get("team"))
                 if team and not team.startswith("E")), None)


def register(app: AsyncApp, deps: Deps, inflight: Inflight) -> None:
    @app.event("app_mention")
    async def on_mention(event: dict, body: dict, context) -> None:
        if not event.get("user") or event.get("bot_id") or not event.get("ts") \
                or not event.get("channel"):
            return  # bots (ours included) and malformed events get no answer
        if event.get("edited"):
            return  # Slack re-sends the mention when it is edited, even days later: not a question
        if event.get("thread_ts"):
            await deps.threads.saw(event["channel"], event["thread_ts"], event["user"])
        installation = installation_of(body, context)
        question = question_from(event, installation)
        await hand_on(deps, inflight, question, f"{question.channel}:{question.ts}",
                      event_asker(event, body, installation))
