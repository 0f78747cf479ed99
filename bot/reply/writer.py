"""One answer's Slack messages: the placeholder, paced edits that always carry the
whole text so far, continuation messages when the answer outgrows one message, and the final
edit with notices and the footer. All edits wait for the workspace governor; every post takes
its turn in the channel's pace. In a busy workspace an answer goes another way (reroute.py)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.reply.budgets import WorkspaceBudgets
from bot.reply.citations import PROGRESS_ROOM, SOURCES_ROOM, SourceBook, progress_block_text
from bot.reply.governor import Ticket, WorkspaceGovernor
from bot.reply.render import (
    MIN_SLICE,
    SLICE_LIMIT,
    Fence,
    cut_overflow,
    message_payload,
    slice_room,
)
from bot.reply.reroute import Rerouting
from bot.slack_errors import SLACK_FAILURES, retry_after, slack_error
from bot.tools.calls import Source
from bot.tools.progress import Step, progress_lines

log = logging.getLogger(__name__)

FINAL_ATTEMPTS = 4
INTERRUPT_SECONDS = 4.0  # Heroku allows 30 s after SIGTERM; the grace period takes the rest
STATUS_CLEAR_SECONDS = 1.0  # then a tool call's thread status, if any, lapses by itself
_REJECTED_PAYLOAD = {"invalid_blocks", "msg_too_long", "msg_blocks_too_long",
                     "invalid_blocks_format", "too_many_blocks"}
_GONE = {"message_not_found", "cant_update_message", "edit_window_closed"}
TAIL_MISSING = (":warning: Slack refused the rest of this answer, so it ends here "
                "({} more characters could not be posted). Please ask again.")


@dataclass
class Part:
    """One Slack message of the answer: the slice of text starting at `start`."""

    ts: str
    start: int
    fence: Fence | None
    shown: dict  # the payload Slack has now
    failures: int = 0
    settled: bool = False  # sealed and shown in full: it will never change again
    plain: bool = False  # Slack refused its blocks: it is shown as plain text


class ReplyWriter(Rerouting):
    def __init__(self, client: AsyncWebClient, governor: WorkspaceGovernor, *, channel: str,
                 thread_ts: str | None, interval: float, header: str | None = None,
                 metadata: dict | None = None, clock: Callable[[], float] | None = None,
                 slice_limit: int = SLICE_LIMIT, budgets: WorkspaceBudgets | None = None):
        self.client = client
        self.governor = governor
        self.budgets = budgets  # None: posts unpaced, and never another way than edits
        self.channel = channel
        self.thread_ts = thread_ts
        self.interval = interval
        self.clock = clock or governor.clock  # the governor's: intervals compare with it
        self.slice_limit = slice_limit
        self.header = header
        self.metadata = metadata
        self._pieces: list[str] = []
        self._text = ""
        self.parts: list[Part] = []
        self._final: tuple[tuple[str, ...], str | None] | None = None
        self.feedback: str | None = None  # the answer the feedback buttons rate (when answered)
        self._ticket = Ticket()
        self._changed = asyncio.Event()
        self._last_edit = float("-inf")
        self._pump: asyncio.Task | None = None
        self._given_up_at: int | None = None  # where Slack refused every continuation
        self.steps: tuple[Step, ...] = ()  # the answer's tool calls, shown above its text
        self.sources = SourceBook()
        self._tool_room = False  # room kept in each message for progress lines and sources

    @property
    def first_ts(self) -> str | None:
        return self.parts[0].ts if self.parts else None

    async def start(self) -> None:
        """Post the placeholder (raises one of SLACK_FAILURES when that fails), or show the
        thread status when the workspace is saturated."""
        if await self._status_instead():
            return
        await self.governor.open(self._ticket)  # owed from now on: questions alongside see it
        payload = message_payload("", header=self.header)
        try:
            response = await self._post({**payload, "metadata": self.metadata}
                                        if self.metadata else payload)
        except BaseException:
            await self.governor.close(self._ticket)
            raise
        self.parts.append(Part(response["ts"], 0, None, payload))
        self._pump = asyncio.create_task(self._run(), name=f"writer {self.channel}")

    @property
    def text(self) -> str:
        if self._pieces:  # joined lazily: deltas arrive far more often than edits go out
            self._text += "".join(self._pieces)
            self._pieces.clear()
        return self._text

    def add_text(self, delta: str) -> None:
        self._pieces.append(delta)
        self._changed.set()

    def expect_tools(self) -> None:
        """The answer may use tools: keep room for their progress lines and sources."""
        self._tool_room = True

    def show_steps(self, steps: tuple[Step, ...]) -> None:
        """The tool calls so far (a call started, or its result came)."""
        self.steps = steps
        self._changed.set()
        self._show_step()

    def cite(self, sources: list[Source]) -> None:
        """The text just added cites `sources`: their numbered markers follow it."""
        self.add_text(self.sources.markers(sources))

    async def finish(self, notices: tuple[str, ...] = (), footer: str | None = None,
                     feedback: str | None = None) -> None:
        """Deliver the whole answer with its notices and footer (and, given the answer's ts,
        feedback buttons under it); returns once Slack has it."""
        self.feedback = feedback
        self._final = (notices, footer)
        self._changed.set()
        if not self.parts:  # the thread status stood in for a placeholder
            await self._post_answer()
            return
        await self._reconsider()
        self.governor.promote(self._ticket)
        if self._pump is not None:
            try:
                await self._pump
            finally:
                await self.governor.close(self._ticket)
            await self._settle_status()

    async def interrupt(self, notice: str) -> None:
        """Shutting down: show the text so far with `notice` now, outside the governor (its
        queue may be minutes long), and give up quietly on whatever Slack refuses."""
        if self._pump is not None:
            self._pump.cancel()
        self._final = ((notice,), None)
        try:
            await asyncio.wait_for(self._show_all() if self.parts else self._post_anew(),
                                   INTERRUPT_SECONDS)
        except (TimeoutError, *SLACK_FAILURES) as error:
            log.warning("could not mark an answer interrupted in %s: %s", self.channel,
                        slack_error(error))
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._settle_status(), STATUS_CLEAR_SECONDS)
        await self.governor.close(self._ticket)

    async def _show_all(self) -> None:
        await self._post_continuations()
        for index in self._stale_parts():
            payload = self._wanted(index, self.parts)
            await self.client.chat_update(channel=self.channel, ts=self.parts[index].ts,
                                          **payload)
            self.parts[index].shown = payload

    # --- what each message should show -------------------------------------------------

    def _seal_overflow(self) -> list[Part]:
        """New parts (not yet posted) for the text that outgrew the last message: each holds
        what fits next to the last message's header, notices and footer."""
        if self._given_up_at is not None:
            return []
        last = self.parts[-1]
        notices, footer = self._closing()
        room = slice_room(self.header if len(self.parts) == 1 else None, notices, footer,
                          self.slice_limit, self._reserve(len(self.parts) == 1))
        return [Part("", start, fence, {})
                for start, fence in cut_overflow(self.text, last.start, last.fence, room)]

    def _anew(self, first: int) -> list[Part]:
        """New messages, not posted yet (each with its payload as `shown`), for the answer
        from message `first` on, cut to leave the last one room for the closing."""
        notices, footer = self._closing()
        room = slice_room(self.header if first == 0 else None, notices, footer,
                          self.slice_limit)
        start, fence = ((self.parts[first].start, self.parts[first].fence)
                        if first < len(self.parts) else (0, None))
        fresh = [Part("", start, fence, {}), *(Part("", at, open_fence, {}) for at, open_fence
                                               in cut_overflow(self.text, start, fence, room))]
        whole = [*self.parts[:first], *fresh]
        for index in range(first, len(whole)):
            whole[index].shown = self._wanted(index, whole)
        return fresh

    def _closing(self) -> tuple[tuple[str, ...], str | None]:
        """The notices and footer the last message ends with (none until the answer ends)."""
        notices, footer = self._final or ((), None)
        if self._given_up_at is not None:
            missing = len(self.text) - self._given_up_at
            notices = (*notices, TAIL_MISSING.format(f"{missing:,}"))
        return notices, footer

    def _reserve(self, first: bool) -> int:
        if not self._tool_room:
            return 0
        return SOURCES_ROOM + (PROGRESS_ROOM if first else 0)

    def _wanted(self, index: int, parts: list[Part], closing: bool = True) -> dict:
        part = parts[index]
        is_last = index == len(parts) - 1
        end = (self._given_up_at or len(self.text)) if is_last else parts[index + 1].start
        notices, footer = self._closing() if is_last and closing else ((), None)
        segment = self.text[part.start:end]
        progress = progress_block_text(progress_lines(self.steps)) if index == 0 else None
        return message_payload(segment, part.fence, notices=notices,
                               footer=footer, header=self.header if index == 0 else None,
                               feedback=self.feedback if is_last and self._final else None,
                               streaming=is_last and self._final is None,
                               progress=progress, sources=self.sources.listed(segment))

    # --- the pump ------------------------------------------------------------------------

    async def _run(self) -> None:
        while True:
            await self._changed.wait()
            await self._post_continuations()
            stale = self._stale_parts()
            if not stale:
                self._changed.clear()
                if self._final is not None:
                    return
                continue
            sealed = stale[0] != len(self.parts) - 1
            self._ticket.final = self._final is not None or sealed
            self._ticket.not_before = self._last_edit + self.interval
            if not await self._turn():
                return
            self._changed.clear()
            await self._post_continuations()
            stale = self._stale_parts() or [len(self.parts) - 1]
            done = await self._edit(stale[0])
            if not done or len(stale) > 1 or self._final is not None:
                self._changed.set()

    def _stale_parts(self) -> list[int]:
        """The messages Slack shows out of date. A sealed message is rendered until it is
        shown in full, then never again: long answers cost no re-rendering per edit."""
        parts, stale = self.parts, []
        for index, part in enumerate(parts):
            if part.settled:
                continue
            if part.shown != self._wanted(index, parts):
                stale.append(index)
            elif index < len(parts) - 1:
                part.settled = True
        return stale

    async def _post_continuations(self) -> None:
        """Post a message for each slice the text grew into (carrying its text at once). A
        refused one is re-split smaller or retried, never skipped: if Slack refuses it for
        good, the last message says how much of the answer is missing."""
        failures = 0
        while new := self._seal_overflow():
            # The footer comes with the last edit, once every earlier message is complete.
            payload = self._wanted(len(self.parts), [*self.parts, *new], closing=False)
            try:
                response = await self._post(payload)
            except SLACK_FAILURES as error:
                code = slack_error(error)
                log.warning("continuation message failed in %s: %s", self.channel, code)
                failures += 1
                if self._cut_smaller(code):
                    continue
                if failures >= FINAL_ATTEMPTS:
                    self._given_up_at = new[0].start
                else:
                    await asyncio.sleep(0.25 * 2 ** failures)
                continue
            new[0].ts, new[0].shown = response["ts"], payload
            self.parts.append(new[0])

    def _cut_smaller(self, code: str) -> bool:
        """Slack refused a message's blocks (`code`): cut the text smaller from now on. False
        when it was not that, or the slices are as small as they go."""
        if code not in _REJECTED_PAYLOAD or self.slice_limit <= MIN_SLICE:
            return False
        self.slice_limit = max(MIN_SLICE, self.slice_limit // 2)
        return True

    async def _post(self, payload: dict) -> dict:
        """chat.postMessage in the thread; waits out 429s (a per-channel limit)."""
        for attempt in range(FINAL_ATTEMPTS):
            if self.budgets is not None:
                await self.budgets.pace.turn(self.channel)
            try:
                return await self.client.chat_postMessage(
                    channel=self.channel, thread_ts=self.thread_ts or self.first_ts, **payload)
            except SlackApiError as error:
                wait = retry_after(error)
                if wait is None or attempt == FINAL_ATTEMPTS - 1:
                    raise
                await asyncio.sleep(wait)
        raise AssertionError("unreachable")

    async def _edit(self, index: int) -> bool:
        """One chat.update of part `index` (its turn was granted). False: try again later."""
        part = self.parts[index]
        payload = self._wanted(index, self.parts)
        self._last_edit = self.clock()
        failure = None
        try:
            await self.client.chat_update(channel=self.channel, ts=part.ts,
                                          **(self._plain(part, payload) if part.plain
                                             else payload))
        except SLACK_FAILURES as error:
            failure = error
            if (wait := retry_after(error)) is not None:  # paused before the slot is back
                await self.governor.pause(wait)
        finally:
            await self.governor.done(self._ticket)  # its slot counts until Slack answered
        if failure is not None:
            return await self._edit_failed(part, payload, failure)
        part.shown = payload
        return True

    def _plain(self, part: Part, payload: dict) -> dict:
        """The message as plain text, for when Slack refuses its blocks."""
        footer = self._final[1] if self._final and part is self.parts[-1] else None
        return {"text": payload["text"] + (f"\n\n{footer}" if footer else ""), "blocks": []}

    async def _edit_failed(self, part: Part, payload: dict, error: Exception) -> bool:
        code = slack_error(error)
        if retry_after(error) is not None:  # the budget is paused already (_edit)
            return False
        log.warning("chat.update failed in %s: %s", self.channel, code)
        if code in _GONE:  # the placeholder was deleted: the answer goes in a new message
            part.ts = (await self._post(payload))["ts"]
            part.shown = payload
            return True
        part.failures += 1
        if code in _REJECTED_PAYLOAD and not part.plain:
            part.plain = True  # never lose the answer: plain text always fits (next turn)
            return False
        if part.failures >= FINAL_ATTEMPTS:
            part.shown = payload  # give up on this message rather than loop forever
            return True
        await asyncio.sleep(0.5 * 2 ** part.failures)
        return False
