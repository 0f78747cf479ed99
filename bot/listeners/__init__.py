"""One module per Slack surface: each turns a payload into a Question and hands it on."""

from __future__ import annotations

from bot.answer import Deps, Question, answer
from bot.tasks import Inflight


async def hand_on(deps: Deps, inflight: Inflight, question: Question, key: str) -> None:
    """Answer `question` unless its message (`key`) was already taken: Slack may deliver one
    message several times (retries, or as both `app_mention` and `message`)."""
    if await deps.dedupe.claim(key):
        inflight.spawn(answer(deps, question), name=f"answer {key}")
