"""SLACK_STREAMING=native (SPEC §4): the answer streams through chat.startStream /
appendStream / stopStream, with notices and the footer in stopStream's blocks.

Whenever Slack will not stream (startStream refused, a 429 on a Tier 2 method), ends the stream
early (`message_not_in_streaming_state`), or the answer outgrows one message, the answer goes
on as in edit mode: the same message is edited with chat.update, long answers continue in
further messages, and the final text is always delivered."""

from __future__ import annotations

import asyncio
import logging

from bot.reply.governor import Ticket, WorkspaceGovernor
from bot.reply.render import message_payload
from bot.reply.writer import INTERRUPT_SECONDS, Part, ReplyWriter
from bot.slack_errors import SLACK_FAILURES, retry_after, slack_error

log = logging.getLogger(__name__)


class NativeWriter(ReplyWriter):
    def __init__(self, *args, appends: WorkspaceGovernor, user: str, team: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.appends = appends  # appendStream has its own budget (Tier 4)
        self.user = user
        self.team = team
        self._append_ticket = Ticket()
        self._last_append = float("-inf")
        self._sent = 0  # characters of the text appended so far
        self._streaming = False

    @property
    def stream_ts(self) -> str | None:
        """The message being streamed, while Slack streams it."""
        return self.parts[0].ts if self._streaming else None

    def halt(self) -> None:
        """The person pressed stop and Slack ended the stream: it is never appended to or
        stopped again; the rest of the answer, the notice and the footer go in with chat.update."""
        if not self._streaming:
            return
        self._streaming = False
        if self._pump is not None:
            self._pump.cancel()
        self._pump = asyncio.create_task(self._hand_over(), name=f"after stop {self.channel}")

    async def start(self) -> None:
        try:
            response = await self.client.chat_startStream(
                channel=self.channel, thread_ts=self.thread_ts, recipient_user_id=self.user,
                recipient_team_id=self.team)
        except SLACK_FAILURES as error:
            log.info("native streaming refused in %s (%s): editing instead", self.channel,
                     slack_error(error))
            await super().start()
            return
        self.parts.append(Part(response["ts"], 0, None, {}))
        self._streaming = True
        await self.governor.open(self._ticket)  # kept in case the final edit falls back
        self._pump = asyncio.create_task(self._stream(), name=f"stream {self.channel}")

    async def _stream(self) -> None:
        """Append new text as it comes; stop with the footer; or hand over to editing."""
        while self._streaming:
            await self._changed.wait()
            if self._final is not None:
                if await self._stop(self.text[self._sent:], self._closing_blocks()):
                    return
                break
            if len(self.text) > self.slice_limit:
                break  # one message is not enough: edit mode splits it
            self._append_ticket.not_before = self._last_append + self.interval
            await self.appends.acquire(self._append_ticket)
            if self._final is not None:
                continue  # the stop carries the rest
            self._changed.clear()
            if not await self._append():
                break
        await self._hand_over()

    async def _append(self) -> bool:
        text = self.text
        if len(text) == self._sent or len(text) > self.slice_limit:
            return len(text) <= self.slice_limit
        try:
            await self.client.chat_appendStream(channel=self.channel, ts=self.parts[0].ts,
                                                markdown_text=text[self._sent:])
        except SLACK_FAILURES as error:
            if (wait := retry_after(error)) is not None:
                await self.appends.pause(wait)
                self._changed.set()
                return True
            log.info("stream ended in %s (%s): editing instead", self.channel,
                     slack_error(error))
            return False
        self._sent = len(text)
        self._last_append = self.clock()
        return True

    async def _stop(self, rest: str, blocks: list[dict]) -> bool:
        try:
            await self.client.chat_stopStream(channel=self.channel, ts=self.parts[0].ts,
                                              markdown_text=rest or None, blocks=blocks or None)
        except SLACK_FAILURES as error:
            log.info("could not stop the stream in %s (%s)", self.channel, slack_error(error))
            return False
        self._sent += len(rest)
        self._streaming = False
        return True

    def _closing_blocks(self) -> list[dict]:
        """Notices and footer, shown under the streamed text."""
        notices, footer = self._final or ((), None)
        if not notices and not footer:
            return []
        return message_payload("", notices=notices, footer=footer,
                               feedback=self.feedback)["blocks"]

    async def _hand_over(self) -> None:
        """Carry on as in edit mode: the next edit rewrites the message with the whole text."""
        if self._streaming:
            await self._stop("", [])  # best effort: it may be over already
            self._streaming = False
        self.parts[0].shown = {}
        self._changed.set()
        await self._run()

    async def finish(self, notices: tuple[str, ...] = (), footer: str | None = None,
                     feedback: str | None = None) -> None:
        self.appends.promote(self._append_ticket)  # a waiting append is now the stop
        await super().finish(notices, footer, feedback)

    async def interrupt(self, notice: str) -> None:
        if not self._streaming:
            await super().interrupt(notice)
            return
        if self._pump is not None:
            self._pump.cancel()
        self._final = ((notice,), None)
        try:
            stopped = await asyncio.wait_for(
                self._stop(self.text[self._sent:], self._closing_blocks()), INTERRUPT_SECONDS)
        except TimeoutError:
            stopped = False
        if not stopped:
            self._streaming = False
            self.parts[0].shown = {}
            await super().interrupt(notice)
            return
        await self.governor.close(self._ticket)
