"""The slash command (SPEC §6): acked at once; the answer is posted in the channel quoting
the question, or privately when the bot cannot post there."""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp

from bot.answer import Deps, Question
from bot.listeners import hand_on
from bot.tasks import Inflight


def help_text(command: str) -> str:
    return (f"*{command} <question>* asks Claude; the answer is posted here for everyone, and "
            f"you can follow up in its thread.\n"
            f"You can also mention me in a channel (I answer in a thread), send me a direct "
            f"message, or share screenshots, photos, PDFs and code files with your question.\n"
            f"`{command} help` shows this message.")


def register(app: AsyncApp, deps: Deps, inflight: Inflight) -> None:
    name = deps.settings.slack_command

    @app.command(name)
    async def on_command(ack, command: dict) -> None:
        text = (command.get("text") or "").strip()
        if text.lower() in ("", "help"):
            await ack(response_type="ephemeral", text=help_text(name))
            return
        await ack()
        if not command.get("channel_id") or not command.get("user_id"):
            return
        question = Question(  # a command's team_id is the installation's workspace
            team=command.get("team_id", ""), channel=command["channel_id"], thread_ts=None,
            ts="", user=command["user_id"], text=text, slash=True,
            response_url=command.get("response_url"))
        key = f"command:{command.get('trigger_id') or id(command)}"
        await hand_on(deps, inflight, question, key)
