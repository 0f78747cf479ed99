"""Slack's native streaming methods for the Slack double: chat.startStream / appendStream /
stopStream. A stream is a bot message that grows until chat.stopStream; meanwhile chat.update
refuses it (`streaming_state_conflict`). Slack can end it first: after `stream_timeout`
seconds it shows an error (`expire_streams` ends every open stream at once), or the person
pressed stop (`stop_stream_by_user`); after that, appends and stops answer
`message_not_in_streaming_state`. startStream and stopStream are Tier 2 (429 + Retry-After
beyond `stream_calls_per_minute`). stopStream's `session_status` moves the thread's agent session
as agents.sessions.setStatus would ("using either agents.sessions.setStatus or chat.stopStream",
docs.slack.dev/reference/events/agent_session_stopped; slack_sdk 3.48 `chat_stopStream`).

Mixed into SlackServer (bot/devserver/slack.py), which provides add_message, _channels,
_notify, _session_to (slack_agents) and the ok/err answer helpers of slack_webapi."""

from __future__ import annotations

import asyncio
import copy

from .slack_agents import STATUSES
from .slack_validate import validate_message
from .slack_webapi import Answer, err, ok

MARKDOWN_TEXT_LIMIT = 12_000


class StreamsMixin:
    def expire_streams(self) -> None:
        """Slack closes every open stream (as it does after about five minutes)."""
        for messages in self._channels.values():
            for message in messages.values():
                self._end_stream(message, stream_error="expired")

    def stop_stream_by_user(self, channel: str, ts: str, user: str) -> None:
        """The person pressed stop: Slack ends the stream where it is."""
        self._end_stream(self._channels[channel][ts], stopped_by=user)

    def _end_stream(self, message: dict, **how: str) -> None:
        if message.pop("streaming", None):
            message.update(how)
            self._notify()

    def _expire_later(self, channel: str, ts: str) -> None:
        def expire() -> None:
            message = self._channels.get(channel, {}).get(ts)
            if message is not None:
                self._end_stream(message, stream_error="expired")
        loop = asyncio.get_running_loop()
        self._stream_timers.append(loop.call_later(self.stream_timeout, expire))

    def _stream(self, params: dict) -> tuple[dict | None, Answer | None]:
        message = self._channels.get(params.get("channel") or "", {}).get(params.get("ts") or "")
        if message is None:
            return None, err("message_not_found")
        if message.get("bot_id") != self.bot_id:
            return None, err("cant_update_message")
        if not message.get("streaming"):
            return None, err("message_not_in_streaming_state")
        return message, None

    @staticmethod
    def _too_long(params: dict) -> Answer | None:
        if len(params.get("markdown_text") or "") > MARKDOWN_TEXT_LIMIT:
            return err("msg_too_long")
        return None

    def _api_chat_startStream(self, params: dict) -> Answer:
        if limited := self._take_slot("chat.startStream", self.stream_calls_per_minute):
            return limited
        if refused := self._cannot_post(params):
            return refused
        channel = params["channel"]
        if not params.get("thread_ts"):
            return err("invalid_arguments")
        if not channel.startswith("D"):  # outside DMs Slack wants to know who it is for
            if not params.get("recipient_team_id"):
                return err("missing_recipient_team_id")
            if not params.get("recipient_user_id"):
                return err("missing_recipient_user_id")
        if too_long := self._too_long(params):
            return too_long
        text = params.get("markdown_text") or ""
        message = self.add_message(channel, user=self.bot_user_id, bot_id=self.bot_id,
                                   text=text, thread_ts=params["thread_ts"], app_id=self.app_id,
                                   streaming=True)
        self._expire_later(channel, message["ts"])
        return ok(channel=channel, ts=message["ts"])

    def _api_chat_appendStream(self, params: dict) -> Answer:
        message, error = self._stream(params)
        if error or (error := self._too_long(params)):
            return error
        message["text"] += params.get("markdown_text") or ""
        self._notify()
        return ok(channel=params["channel"], ts=params["ts"])

    def _api_chat_stopStream(self, params: dict) -> Answer:
        if limited := self._take_slot("chat.stopStream", self.stream_calls_per_minute):
            return limited
        message, error = self._stream(params)
        if error or (error := self._too_long(params)):
            return error
        text = message["text"] + (params.get("markdown_text") or "")
        blocks = params.get("blocks") or []
        shown = {"text": text, "blocks": [
            {"type": "markdown", "text": text}, *blocks] if text else blocks}
        if invalid := validate_message(shown):
            return err(invalid)  # the stream goes on as it was
        session_status = params.get("session_status")
        if session_status is not None and session_status not in STATUSES:
            return err("invalid_arguments")
        message["text"] = text
        message.pop("streaming")
        if session_status is not None:
            self._session_to(params["channel"], message.get("thread_ts"), session_status)
        if shown["blocks"]:
            message["blocks"] = shown["blocks"]
        self._notify()
        return ok(channel=params["channel"], ts=params["ts"], message=copy.deepcopy(message))
