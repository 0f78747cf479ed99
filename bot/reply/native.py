"""SLACK_STREAMING=native: the answer streams through chat.startStream / appendStream /
stopStream, with notices and the footer in stopStream's blocks.

Each call waits for its workspace budget (stream_budget.py): a stream starts only when a
chat.startStream may go at once (otherwise the answer is edited in, as in edit mode, so the
placeholder is never late), and a stopStream waits its turn and is retried after a 429 until
Slack has stopped the stream. A message still streaming cannot be edited
(`streaming_state_conflict`), so the answer goes on as in edit mode only once the stream is over:
stopped by the bot when the answer outgrows one message or Slack refuses an append, or ended by
Slack itself (`message_not_in_streaming_state`: it timed out, or the person stopped it), which the
bot never tries to stop or append to again.

The stream carries the answer drawn as an edit draws it (render.py: tables as aligned code,
images as links): only what more text can no longer redraw is appended, and the stop carries
the rest. Should a line already streamed turn out to head a table, the answer goes on as in edit
mode, which rewrites the message whole."""

from __future__ import annotations

import asyncio
import functools
import logging

from bot.reply.governor import Ticket, in_turn
from bot.reply.render import message_payload, settled_markdown, shown_markdown, slice_room
from bot.reply.stream_budget import StreamBudgets
from bot.reply.writer import FINAL_ATTEMPTS, INTERRUPT_SECONDS, Part, ReplyWriter
from bot.slack_errors import SLACK_FAILURES, retry_after, slack_error

log = logging.getLogger(__name__)

ENDED = "message_not_in_streaming_state"


class NativeWriter(ReplyWriter):
    def __init__(self, *args, streams: StreamBudgets, user: str, team: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.streams = streams
        self.user = user
        self.team = team
        self._append_ticket = Ticket()
        self._stop_ticket = Ticket(final=True)
        self._append_turn: asyncio.Future | None = None
        self._appending: asyncio.Future | None = None  # the appendStream call under way
        self._last_append = float("-inf")
        self._streamed = ""  # the Markdown Slack has, drawn as edit mode draws it
        self._streaming = False
        self._session_status: str | None = None  # the final stopStream moves the session too
        self.session_ended = False  # it did: no setStatus call needed
        self._tasks: dict[str, dict] = {}  # task_update chunks not streamed yet, by call id
        self._task_sent: dict[str, dict] = {}  # the latest chunk queued for each call

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

    def show_steps(self, steps: tuple) -> None:
        """While streaming, each call is a task card: its `task_update` chunk (in_progress →
        complete / error) goes with the next append."""
        super().show_steps(steps)
        for step in steps:
            chunk = {"type": "task_update", "id": step.id, "title": step.title,
                     "status": step.status}
            if step.output:
                chunk["output"] = step.output[:256]  # Slack's limit for details and output
            if self._task_sent.get(step.id) != chunk:
                self._tasks[step.id] = self._task_sent[step.id] = chunk

    def _show_step(self) -> None:
        if not self._streaming:  # a stream shows each call as a task card itself
            super()._show_step()

    def _task_chunks(self, text: str | None) -> tuple[dict, dict]:
        """The arguments carrying new `text` and the pending task updates, and those updates
        (kept pending until Slack has them: `_delivered`)."""
        if not self._tasks:
            return {"markdown_text": text}, {}
        sent = dict(self._tasks)
        markdown = [{"type": "markdown_text", "text": text}] if text else []
        return {"chunks": [*sent.values(), *markdown]}, sent

    def _delivered(self, sent: dict) -> None:
        for task_id, chunk in sent.items():
            if self._tasks.get(task_id) is chunk:  # not updated again meanwhile
                del self._tasks[task_id]

    async def start(self) -> None:
        ticket = Ticket()
        if not await self.streams.starts.try_acquire(ticket):
            log.info("chat.startStream budget spent in this minute: editing in %s",
                     self.channel)
            await super().start()
            return
        failure = None
        try:
            response = await self.client.chat_startStream(
                channel=self.channel, thread_ts=self.thread_ts, recipient_user_id=self.user,
                recipient_team_id=self.team)
        except SLACK_FAILURES as error:
            failure = error
            if (wait := retry_after(error)) is not None:  # paused before the slot is back
                await self.streams.starts.pause(wait)
        finally:
            await self.streams.starts.done(ticket)
        if failure is not None:
            log.info("native streaming refused in %s (%s): editing instead", self.channel,
                     slack_error(failure))
            await super().start()
            return
        self.parts.append(Part(response["ts"], 0, None, {}))
        self._streaming = True
        await self.governor.open(self._ticket)  # kept in case the answer goes on in edits
        self._pump = asyncio.create_task(self._stream(), name=f"stream {self.channel}")

    async def _stream(self) -> None:
        """Append new text as it comes; stop with the footer; or hand over to editing."""
        while True:
            await self._changed.wait()
            if self._final is not None:
                notices, footer = self._final
                rest = self._rest()
                if rest is not None and len(self.text) <= slice_room(
                        None, notices, footer, self.slice_limit, self._reserve(False)) and \
                        await self._stop(rest, self._closing_blocks(), self._session_status):
                    return
                break
            if len(self.text) > self.slice_limit:
                break  # one message is not enough: edit mode splits it
            self._append_ticket.not_before = self._last_append + self.interval
            self._append_turn = asyncio.ensure_future(
                self.streams.appends.acquire(self._append_ticket))
            await asyncio.wait([self._append_turn])
            if self._final is not None:  # the stop carries the rest
                if not self._append_turn.cancelled():
                    await self.streams.appends.done(self._append_ticket)  # granted, unused
                continue
            self._changed.clear()
            if not await self._append():
                break
        await self._hand_over()

    def _unsent(self, shown: str) -> str | None:
        """What of `shown` Slack has not been sent ("": nothing yet; None: Slack shows something
        `shown` does not start with, as when a line already streamed turned out to head a
        table)."""
        if shown.startswith(self._streamed):
            return shown[len(self._streamed):]
        return "" if self._streamed.startswith(shown) else None

    def _rest(self) -> str | None:
        """The end of the answer as edit mode would draw it (None: it cannot follow what was
        streamed)."""
        notices, footer = self._final or ((), None)
        final = shown_markdown(self.text, notices=notices, footer=footer, feedback=self.feedback,
                               reserve=len(self.sources.listed(self.text) or ""))
        return final[len(self._streamed):] if final.startswith(self._streamed) else None

    async def _append(self) -> bool:
        """Stream the new text (the turn was granted). False: the stream cannot go on."""
        text = self.text
        shown = settled_markdown(text) if len(text) <= self.slice_limit else None
        new = self._unsent(shown) if shown is not None else None
        if new is None or not (new or self._tasks):
            await self.streams.appends.done(self._append_ticket)  # the turn went unused
            if new is None and shown is not None:
                log.info("the stream cannot show the answer as drawn in %s: editing instead",
                         self.channel)
            return new is not None
        failure = None
        args, tasks = self._task_chunks(new)
        # Shielded: if the pump is cancelled (shutdown), the call still ends and says whether
        # Slack has this text, so the stop never repeats it.
        self._appending = asyncio.ensure_future(self.client.chat_appendStream(
            channel=self.channel, ts=self.parts[0].ts, **args))
        self._appending.add_done_callback(lambda call: self._appended(call, shown))
        try:
            await asyncio.shield(self._appending)
        except SLACK_FAILURES as error:
            failure = error
            if (wait := retry_after(error)) is not None:  # paused before the slot is back
                await self.streams.appends.pause(wait)
        finally:
            await self.streams.appends.done(self._append_ticket)
        if failure is None:
            self._delivered(tasks)
            self._last_append = self.streams.appends.clock()
            return True
        if retry_after(failure) is not None:
            self._changed.set()
            return True
        if slack_error(failure) == ENDED:
            self._streaming = False  # Slack ended it: nothing left to stop
        log.info("stream ended in %s (%s): editing instead", self.channel, slack_error(failure))
        return False

    def _appended(self, call: asyncio.Future, shown: str) -> None:
        if not call.cancelled() and call.exception() is None and \
                shown.startswith(self._streamed):
            self._streamed = shown

    async def _stop(self, rest: str, blocks: list[dict], session_status: str | None = None
                    ) -> bool:
        """Stop the stream with `rest` and `blocks` last (and the agent session moved to
        `session_status`), waiting for the stopStream budget and retrying until Slack has
        stopped it. True: stopped as asked; False: it was stopped without them, Slack had ended
        it already, or Slack would not stop it at all."""
        failures, complete = 0, True
        while self._streaming:
            try:
                tasks = await in_turn(self.streams.stops, self._stop_ticket, functools.partial(
                    self._send_stop, rest, blocks, session_status))
            except SLACK_FAILURES as failure:
                code = slack_error(failure)
                log.info("could not stop the stream in %s (%s)", self.channel, code)
                if retry_after(failure) is not None:
                    pass  # the stops budget waits as long as Slack asked
                elif code == ENDED:
                    self._streaming = False
                elif session_status:
                    session_status = None  # refused with it: setStatus will move the session
                elif rest or blocks:
                    rest, blocks, complete = "", [], False  # what Slack refused, edits show
                elif (failures := failures + 1) >= FINAL_ATTEMPTS:
                    self._streaming = False  # Slack will end it; edits are refused until then
                else:
                    await asyncio.sleep(0.5 * 2 ** failures)
                continue
            self._delivered(tasks)
            self._streaming = False
            self._streamed += rest
            self.session_ended = session_status is not None
            return complete
        return False

    async def _send_stop(self, rest: str, blocks: list[dict], session_status: str | None
                         ) -> dict:
        """One chat.stopStream (its turn was granted), with the task updates pending now;
        returns those updates."""
        args, tasks = self._task_chunks(rest or None)
        await self.client.chat_stopStream(channel=self.channel, ts=self.parts[0].ts,
                                          blocks=blocks or None, session_status=session_status,
                                          **args)
        return tasks

    def _closing_blocks(self) -> list[dict]:
        """Notices and footer, shown under the streamed text."""
        notices, footer = self._final or ((), None)
        sources = self.sources.listed(self.text)
        if not notices and not footer and not sources:
            return []
        return message_payload("", notices=notices, footer=footer, feedback=self.feedback,
                               sources=sources)["blocks"]

    async def _hand_over(self) -> None:
        """Once the stream is over, carry on as in edit mode: the next edit rewrites the
        message with the whole text."""
        await self._stop("", [])
        self.parts[0].shown = {}
        self._changed.set()
        await self._run()

    async def finish(self, notices: tuple[str, ...] = (), footer: str | None = None,
                     feedback: str | None = None, session_status: str | None = None) -> None:
        """As in edit mode; `session_status`: the stopStream that ends the stream moves the
        thread's agent session too (one call fewer in the session's Tier 3 budget)."""
        self._session_status = session_status
        if self._append_turn is not None:
            self._append_turn.cancel()  # no append waits any longer: the stop carries the rest
        await super().finish(notices, footer, feedback)

    async def interrupt(self, notice: str) -> None:
        if not self._streaming:
            await super().interrupt(notice)
            return
        for task in (self._pump, self._append_turn):
            if task is not None:
                task.cancel()
        self._final = ((notice,), None)
        if self._appending is not None:  # let an append on its way finish first
            await asyncio.wait([self._appending], timeout=INTERRUPT_SECONDS / 2)
        try:
            stopped = await asyncio.wait_for(
                self._stop(self._rest() or "", self._closing_blocks()), INTERRUPT_SECONDS)
        except TimeoutError:
            stopped = False
        if not stopped and not self._streaming:  # over without the notice: edit it in
            self.parts[0].shown = {}
            await super().interrupt(notice)
            return
        if not stopped:
            log.warning("could not mark an answer interrupted in %s: still streaming",
                        self.channel)
        await self.governor.close(self._ticket)
