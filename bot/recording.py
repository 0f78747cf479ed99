"""One answer's measurements and its ledger row: what the answer's finish path records
(timings, tokens and cost from the stream's usage, the outcome), never any text."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from bot.claude import ClaudeResult
from bot.footer import Usage, cost_usd
from bot.ledger import UsageRow
from bot.ledger.rows import now

if TYPE_CHECKING:
    from bot.answer import Deps
from bot.question import Question


class AnswerRecord:
    """Created when an answer starts; `finish` writes its one row, whatever the outcome."""

    def __init__(self, deps: Deps, question: Question):
        self.deps = deps
        self.question = question
        self.result: ClaudeResult | None = None  # set once Claude's stream has ended
        # What the stream reported so far: an answer cut short (stopped) still counts it.
        self._seen: tuple[str, Usage] | None = None
        self.outcome: str | None = None  # set by the answer when it knows better
        self.reason: str | None = None  # why it was refused (outcome "refused")
        self.first_ts: str | None = None  # the answer's first message
        self._texted = False
        self.steps: tuple = ()  # the answer's tool calls (bot/tools/progress.py Step)
        deps.metrics.in_flight.inc()

    def saw(self, model: str, usage: Usage) -> None:
        self._seen = (model, usage)

    @property
    def model(self) -> str:
        if self.result is not None:
            return self.result.model
        if self._seen is not None:
            return self._seen[0]
        question = self.question
        return question.settings.model if question.settings else self.deps.settings.claude_model

    @property
    def usage(self) -> Usage:
        if self.result is not None:
            return self.result.usage
        return self._seen[1] if self._seen is not None else Usage()

    @property
    def answered(self) -> bool:
        """Claude's answer arrived whole (nothing refused, failed or cut short so far)."""
        return (self.outcome is None and self.result is not None
                and self.result.failure is None)

    def _since_event(self) -> float:
        return time.monotonic() - self.question.received_at

    def placeholder_posted(self, first_ts: str | None) -> None:
        self.first_ts = first_ts
        self.deps.metrics.placeholder_seconds.observe(self._since_event())

    def on_text(self, forward: Callable[[str], None]) -> Callable[[str], None]:
        """`forward`, timing the first piece of text that is more than whitespace."""
        def on_text(delta: str) -> None:
            if not self._texted and delta.strip():
                self._texted = True
                self.deps.metrics.first_text_seconds.observe(self._since_event())
            forward(delta)
        return on_text

    async def finish(self) -> None:
        """Record the answer, once: the outcome the answer set, else `answered` (or `failed`
        when Claude's stream failed or never ran)."""
        seconds = self._since_event()
        metrics = self.deps.metrics
        metrics.in_flight.dec()
        metrics.answer_seconds.observe(seconds)
        for step in self.steps:  # a call cut short by a stop counts as failed
            metrics.tool_calls.labels(step.tool, "ok" if step.status == "complete"
                                      else "error").inc()
        if self.deps.ledger is not None:
            await self.deps.ledger.record(self._row(self.outcome or (
                "answered" if self.answered else "failed"), seconds))

    def _row(self, outcome: str, seconds: float) -> UsageRow:
        question, settings = self.question, self.deps.settings
        model, usage = self.model, self.usage
        ts = question.ts or self.first_ts or ""  # /claude: the bot's message quoting it
        return UsageRow(
            time=now(), team=question.team, channel=question.channel,
            thread_ts=question.thread_ts or self.first_ts, ts=ts, user=question.user,
            model=model,
            input_tokens=usage.input_tokens, cache_write_tokens=usage.cache_write,
            cache_read_tokens=usage.cache_read, output_tokens=usage.output_tokens,
            cost_usd=cost_usd(model, usage, settings.claude_prices),
            outcome=outcome, reason=self.reason, seconds=seconds, tool_calls=len(self.steps))
