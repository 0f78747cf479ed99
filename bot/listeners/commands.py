"""The slash command: acked at once; the answer is posted in the channel quoting
the question, or privately when the bot cannot post there."""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp

from bot.answer import Deps
from bot.installation import installation_of
from bot.listeners import hand_on
from bot.policy.decide import Refusal
from bot.policy.gate import admit, record_refusal, usage_report
from bot.policy.origin import command_asker
from bot.question import Question
from bot.tasks import Inflight


def help_text(command: str) -> str:
    return (f"*{command} <question>* asks Claude; the answer is posted here for everyone, and "
            f"you can follow up in its thread.\n"
            f"You can also mention me in a channel (I answer in a thread), send me a direct "
            f"message, or share screenshots, photos, PDFs and code files with your question.\n"
            f"`{command} usage` shows what you have spent, and `{command} help` this message.")


def register(app: AsyncApp, deps: Deps, inflight: Inflight) -> None:
    name = deps.settings.slack_command

    @app.command(name)
    async def on_command(ack, command: dict, context) -> None:
        text = (command.get("text") or "").strip()
        if text.lower() in ("", "help"):
            await ack(response_type="ephemeral", text=help_text(name))
            return
        asker = command_asker(command, installation_of(command, context))
        if text.lower() == "usage":
            await ack(response_type="ephemeral", text=await usage_report(deps, asker.team,
                                                                       asker.user))
            return
        if not command.get("channel_id") or not command.get("user_id"):
            await ack()
            return
        key = f"command:{command.get('trigger_id') or id(command)}"
        verdict = admit(deps, asker)
        if isinstance(verdict, Refusal):  # the command's own answer says why: no other call
            await ack(response_type="ephemeral", text=verdict.message)
            if await deps.dedupe.claim(key):
                await record_refusal(deps, team=asker.team, channel=asker.channel,
                                     thread_ts=None, ts="", user=asker.user,
                                     reason=verdict.reason)
            return
        await ack()
        question = Question(  # the same installation as a mention's: one budget, one ledger
            team=asker.team, channel=command["channel_id"], thread_ts=None,
            ts="", user=command["user_id"], text=text, slash=True,
            response_url=command.get("response_url"))
        await hand_on(deps, inflight, question, key, asker, verdict)

