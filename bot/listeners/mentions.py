"""`app_mention` → answer in the mention's thread."""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp

from bot.answer import Deps, Question, answer
from bot.tasks import Inflight


def register(app: AsyncApp, deps: Deps, inflight: Inflight) -> None:
    @app.event("app_mention")
    async def on_mention(event: dict, body: dict) -> None:
        if not event.get("user") or event.get("bot_id") or not event.get("ts"):
            return  # bots (ours included) and malformed events get no answer
        question = Question(
            team=event.get("team") or body.get("team_id", ""),
            channel=event["channel"],
            thread_ts=event.get("thread_ts") or event["ts"],
            ts=event["ts"],
            user=event["user"],
            text=event.get("text") or "",
            files=tuple(event.get("files") or ()),
        )
        inflight.spawn(answer(deps, question), name=f"answer {question.channel}/{question.ts}")
