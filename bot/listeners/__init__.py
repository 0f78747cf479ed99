"""One module per Slack surface: each turns a payload into a Question and hands it on."""

from __future__ import annotations

from dataclasses import replace

from bot.answer import Deps, answer
from bot.policy.decide import AnswerSettings, Asker, Refusal
from bot.policy.gate import admit, refuse
from bot.question import Question
from bot.tasks import Inflight


async def hand_on(deps: Deps, inflight: Inflight, question: Question, key: str,
                  asker: Asker, verdict: AnswerSettings | Refusal | None = None) -> None:
    """Answer `question` unless its message (`key`) was already taken: Slack may deliver one
    message several times (retries, or as both `app_mention` and `message`). The policy
    decides first (unless `verdict` is its decision already); a refusal is one ephemeral
    message, and nothing is posted or asked."""
    if not await deps.dedupe.claim(key):
        return
    policy = deps.policy.current
    verdict = verdict or admit(policy, deps.settings, deps.ledger, asker)
    if isinstance(verdict, Refusal):
        inflight.spawn(refuse(deps.slack, deps.ledger, policy, deps.settings, asker, question,
                              verdict), name=f"refuse {key}")
    else:
        question = replace(question, settings=verdict,
                           outsiders=asker.external or asker.shared)
        inflight.spawn(answer(deps, question), name=f"answer {key}")
