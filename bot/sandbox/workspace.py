"""The sandbox's Slack workspace: the project's Slack server (bot/devserver/slack.py) with
people, channels, and what a person does on the page — post, share files, run the slash
command, press stop or a feedback button — delivered to the bot as Slack would deliver it.

It also keeps the page's view of the workspace: every message as people see it, and the
ephemeral messages the bot sends to one person (`chat.postEphemeral`, `response_url`, a slash
command's acknowledgement)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import mimetypes
import re
import secrets
import time

from bot.devserver.slack import SlackServer
from bot.sandbox.view import workspace_view
from bot.slack_text import escape_all

TEAM = "T0SANDBOX"
BOT_USER = "U0CLAUDE"
PEOPLE = {"U0ALICE": "alice", "U0BOB": "bob", "U0CAROL": "carol"}
CHANNELS = {"C0GENERAL": "general", "C0RANDOM": "random"}
PERSON_ID = re.compile(r"^[UW][A-Z0-9]{2,20}$")
MAX_TEXT = 40_000  # Slack: msg_too_long beyond this
ACK_SECONDS = 3  # Slack: an interaction not acknowledged within 3 s failed
_AT_NAME = re.compile(r"(?<![\w<])@([A-Za-z][\w.-]*)")


class Refused(Exception):
    """What Slack would answer instead of delivering the action (e.g. `no_text`)."""


class Workspace(SlackServer):
    def __init__(self) -> None:
        # Fresh random tokens: they only ever open this process's local server.
        super().__init__(bot_token=f"xoxb-sandbox-{secrets.token_hex(12)}",
                         app_token=f"xapp-sandbox-{secrets.token_hex(12)}", team_id=TEAM,
                         bot_user_id=BOT_USER, bot_id="B0CLAUDE", app_id="A0SANDBOX")
        self.command = "/claude"
        self.changed = asyncio.Event()
        # Not `ephemerals`: the Slack server keeps its own record of chat.postEphemeral there.
        self.private: list[dict] = []  # what only one person sees, as the page shows it
        self.envelopes: list[dict] = []  # every envelope sent to the bot, in order
        self._response_urls: dict[str, dict] = {}  # path -> the payload that carried it
        self._seen_calls = 0
        self._seen_responses = 0
        self._background: set[asyncio.Task] = set()
        for channel, name in CHANNELS.items():  # as Slack search names them
            self.add_channel(channel, name)
        for user, name in PEOPLE.items():
            self.add_user(user, name=name)

    def _notify(self) -> None:
        super()._notify()
        self.changed.set()

    def _new_ts(self) -> str:
        # Slack's ts is the time of posting: the page shows it as the message's time.
        self._next_ts_us = max(self._next_ts_us, time.time_ns() // 1000)
        return super()._new_ts()

    async def _send_envelope(self, envelope: dict) -> str:
        self.envelopes.append(envelope)
        payload = envelope.get("payload") or {}
        if payload.get("response_url"):  # to tell whom a response is for
            path = payload["response_url"][len(self.origin):]
            self._response_urls[path] = payload
        return await super()._send_envelope(envelope)

    async def stop(self) -> None:
        for task in self._background:
            task.cancel()
        await super().stop()

    # --- who and where ---

    @staticmethod
    def check_person(user: str) -> str:
        if not isinstance(user, str) or not PERSON_ID.match(user):
            raise Refused("user_not_found")
        return user

    @staticmethod
    def dm_of(user: str) -> str:
        return "D" + user[1:]  # one direct message channel per person with Claude

    def channel_type(self, channel: str, user: str) -> str:
        if channel in CHANNELS:
            return "channel"
        if channel == self.dm_of(user):
            return "im"
        raise Refused("channel_not_found")

    # --- what people do ---

    def add_upload(self, content: bytes, name: str, declared: str | None, user: str) -> dict:
        """A file shared from the page; its type comes from its name, as Slack's does."""
        name = (name or "file").replace("/", "_").replace("\\", "_")[:200]
        mimetype = (mimetypes.guess_type(name)[0] or declared or "application/octet-stream")
        file = self.add_file(content, name=name, mimetype=mimetype)
        file["user"] = user
        self._files[file["id"]][0]["user"] = user
        return file

    def views(self) -> dict[tuple, dict]:
        return workspace_view(self._channels, self.bot_id)

    def file_content(self, file_id: str) -> tuple[dict, bytes] | None:
        return self._files.get(file_id)

    async def post(self, user: str, channel: str, text: str, thread_ts: str | None = None,
                   file_ids: tuple[str, ...] = ()) -> dict:
        kind = self.channel_type(channel, self.check_person(user))
        text = (text or "").strip()
        files = [self._files[f][0] for f in file_ids if f in self._files]
        if len(files) != len(file_ids):
            raise Refused("file_not_found")
        if not text and not files:
            raise Refused("no_text")
        if len(text) > MAX_TEXT:
            raise Refused("msg_too_long")
        if thread_ts and self._thread_root(channel, thread_ts) is None:
            raise Refused("thread_not_found")
        return await self.user_message(channel, user, self.encode(text), thread_ts=thread_ts,
                                       files=files or None, channel_type=kind)

    def encode(self, typed: str) -> str:
        """What Slack makes of typed text: &, < and > escaped, @names as user mentions."""
        text = escape_all(typed)
        names = {"claude": self.bot_user_id} | {n: u for u, n in PEOPLE.items()}

        def mention(match: re.Match) -> str:
            word = match.group(1)
            user = names.get(word.lower()) or (word if PERSON_ID.match(word) else None)
            return f"<@{user}>" if user else match.group(0)

        return _AT_NAME.sub(mention, text)

    async def run_command(self, user: str, channel: str, line: str) -> None:
        self.channel_type(channel, self.check_person(user))
        command, _, text = line.strip().partition(" ")
        if command != self.command:
            self._ephemeral(user, channel, None, f"`{command}` is not a valid command. In "
                            "Slack, all messages that start with \"/\" are interpreted as "
                            "commands.", slackbot=True)
            return
        envelope_id = await self.send_slash_command(text=text.strip(), user_id=user,
                                                    channel_id=channel, command=command)
        self._watch_ack(envelope_id, user, channel, None, f"{command} failed with the error "
                        "\"operation_timeout\"")

    async def stop_answer(self, user: str, channel: str, thread_ts: str) -> None:
        """Slack's stop button, pressed in a thread."""
        self.channel_type(channel, self.check_person(user))
        if not thread_ts or self._thread_root(channel, thread_ts) != thread_ts:
            raise Refused("thread_not_found")
        await self.stop_session(channel, thread_ts, user)

    async def give_feedback(self, user: str, channel: str, ts: str, value: str) -> None:
        """A click on 👍 (`positive`) or 👎 (`negative`) under a message that shows them."""
        self.channel_type(channel, self.check_person(user))
        blocks = (self.message(channel, ts) or {}).get("blocks") or ()
        if value not in ("positive", "negative") or not any(
                e.get("type") == "feedback_buttons" for b in blocks
                if b.get("type") == "context_actions" for e in b.get("elements") or ()):
            raise Refused("action_not_found")
        await self.click_feedback(channel, ts, user, value)

    # --- what only one person sees ---

    def _ephemeral(self, user: str, channel: str, thread_ts: str | None, text: str,
                   blocks: list | None = None, *, slackbot: bool = False) -> None:
        self.private.append({"ts": self._new_ts(), "user": user, "channel": channel,
                                "thread_ts": thread_ts, "text": text, "blocks": blocks or [],
                                "bot": True, "slackbot": slackbot, "files": []})
        self._notify()

    def _watch_ack(self, envelope_id: str, user: str, channel: str, thread_ts: str | None,
                   timed_out: str) -> None:
        """Show what the bot acknowledged with (a slash command's private answer), or Slack's
        error when it did not acknowledge in time."""
        async def watch() -> None:
            try:
                ack = await self.wait_ack(envelope_id, ACK_SECONDS)
            except AssertionError:
                self._ephemeral(user, channel, thread_ts, timed_out, slackbot=True)
                return
            payload = ack.get("payload") or {}
            if payload.get("text") or payload.get("blocks"):
                self._ephemeral(user, channel, thread_ts, payload.get("text", ""),
                                payload.get("blocks"))

        task = asyncio.create_task(watch())
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    def collect_ephemerals(self) -> None:
        """Pick up the private messages the bot sent since the last look."""
        calls, self._seen_calls = self.calls[self._seen_calls:], len(self.calls)
        for call in calls:
            if call.method == "chat.postEphemeral" and call.response.get("ok"):
                params = call.params
                self._ephemeral(params.get("user", ""), params.get("channel", ""),
                                params.get("thread_ts") or None, params.get("text", ""),
                                _blocks(params.get("blocks")))
        responses = self.responses[self._seen_responses:]
        self._seen_responses = len(self.responses)
        for path, body in responses:
            payload = self._response_urls.get(path)
            if payload is None:
                continue
            user = payload.get("user_id") or (payload.get("user") or {}).get("id", "")
            channel = payload.get("channel_id") or (payload.get("channel") or {}).get("id", "")
            thread = (payload.get("container") or {}).get("thread_ts")
            self._ephemeral(user, channel, thread, body.get("text", ""),
                            _blocks(body.get("blocks")))


def _blocks(blocks: object) -> list:
    if isinstance(blocks, str):
        with contextlib.suppress(ValueError):
            blocks = json.loads(blocks)
    return blocks if isinstance(blocks, list) else []
