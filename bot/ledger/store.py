"""The usage ledger: one row per answer and per refusal, written in the background so that no
answer ever waits for (or fails because of) the database, and spend totals kept in memory."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy import and_, delete, select, update
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.ledger import queries
from bot.ledger.engine import create_engine
from bot.ledger.rows import FEEDBACK, OUTCOMES, UsageRow, now
from bot.ledger.schema import upgrade, usage
from bot.ledger.totals import WINDOW, SpendTotals

log = logging.getLogger(__name__)

REFRESH_SECONDS = 2.0  # spend totals are at most this (plus one query) old
# Each refresh reads the rows with an id above the highest seen two refreshes earlier: a row
# whose id was taken, but not yet committed, at one refresh is still read at the next.
LAG_REFRESHES = 2
PURGE_EVERY = timedelta(days=1)
BATCH = 200
MAX_PENDING = 10_000  # rows kept through an outage; beyond that the oldest are dropped
MAX_RETRY_SECONDS = 30.0
CLOSE_SECONDS = 2.0  # at shutdown, each of: writing what is pending, ending the task


class LedgerUnavailable(Exception):
    """The database in DATABASE_URL cannot be used at start; the message says what to fix."""


class LedgerMetrics(Protocol):
    def row(self, row: UsageRow) -> None: ...
    def feedback(self, value: str) -> None: ...
    def ledger_write_failed(self, rows: int) -> None: ...
    def ledger_rows_lost(self, rows: int) -> None: ...


def describe(error: BaseException) -> str:
    """An error in one short line: the driver's own error when SQLAlchemy wraps one."""
    inner = getattr(error, "orig", None) or error
    first = (str(inner).strip().splitlines() or [""])[0][:200]
    return f"{type(inner).__name__}: {first}" if first else type(inner).__name__


def summary_line(row: UsageRow) -> tuple[str, dict]:
    """The operators' log line for one row, and the same as fields (numbers and ids only)."""
    fields = {"team": row.team, "channel": row.channel, "user": row.user, "model": row.model,
              "input_tokens": row.input_tokens, "cache_write_tokens": row.cache_write_tokens,
              "cache_read_tokens": row.cache_read_tokens, "output_tokens": row.output_tokens,
              "cost_usd": None if row.cost_usd is None else round(row.cost_usd, 6),
              "outcome": row.outcome, "reason": row.reason, "seconds": round(row.seconds, 2),
              "tool_calls": row.tool_calls}
    text = " ".join(f"{k}={'-' if v is None else v}" for k, v in fields.items())
    return f"usage {text}", fields


class Ledger:
    def __init__(self, engine: AsyncEngine, retention_days: int,
                 metrics: LedgerMetrics | None = None, refresh_seconds: float = REFRESH_SECONDS):
        self.engine = engine
        self.retention = timedelta(days=retention_days)
        self.metrics = metrics
        self.refresh_seconds = refresh_seconds
        self.totals = SpendTotals()
        self._pending: list[dict] = []  # rows recorded, not yet in the database
        # Held while a batch is inserted or a click written: a click's update waits for the
        # insert (or it could miss a row that no longer takes in-memory changes), and clicks
        # are written in click order, so the latest one wins.
        self._writing = asyncio.Lock()
        self._seen: set[int] = set()  # ids above the floor already in the totals
        self._highest: deque[int] = deque([0], maxlen=LAG_REFRESHES + 1)  # per refresh
        self._wake = asyncio.Event()
        self._idle = asyncio.Event()
        self._closing = asyncio.Event()
        self._task: asyncio.Task | None = None

    @classmethod
    async def open(cls, url: str, retention_days: int, *, metrics: LedgerMetrics | None = None,
                   refresh_seconds: float = REFRESH_SECONDS) -> Ledger:
        """Connect, create or migrate the tables, delete expired rows, load the spend totals."""
        engine = None
        try:
            engine = create_engine(url)
            await upgrade(engine)
            ledger = cls(engine, retention_days, metrics, refresh_seconds)
            await ledger._purge()
            await ledger._refresh()
        except Exception as error:
            if engine is not None:
                await engine.dispose()
            shown = make_url(url).render_as_string(hide_password=True)
            raise LedgerUnavailable(
                f"the usage database at DATABASE_URL ({shown}) cannot be used "
                f"({describe(error)}): check DATABASE_URL, or unset it to keep usage in "
                f"usage.sqlite3 in the working directory.") from None
        ledger._task = asyncio.create_task(ledger._run(), name="ledger")
        return ledger

    # --- what the bot calls --------------------------------------------------------------

    async def record(self, row: UsageRow) -> None:
        """Count the row at once (totals, metrics, the log) and write it in the background.
        Never raises: a write that fails is logged, counted and retried."""
        if row.outcome not in OUTCOMES:
            raise ValueError(f"unknown outcome {row.outcome!r}")
        message, fields = summary_line(row)
        log.info(message, extra={"fields": fields})
        self.totals.add(row.team, row.user, row.channel, row.time, row.cost_usd)
        if self.metrics is not None:
            self.metrics.row(row)
        self._pending.append(row.values())
        if len(self._pending) > MAX_PENDING:
            self._lost(len(self._pending) - MAX_PENDING, "the database has been down too long")
            del self._pending[:-MAX_PENDING]
        self._idle.clear()
        self._wake.set()

    def spent(self, team: str, since: datetime, *, user: str | None = None,
              channel: str | None = None) -> float:
        """USD recorded since `since` (aware; at most 32 days ago) for the team, optionally one
        user and/or one channel. No database round trip: other instances' rows are at most a
        refresh old; this instance's own rows count at once."""
        return self.totals.spent(team, since, user, channel)

    async def set_feedback(self, team: str, channel: str, ts: str, value: str) -> bool:
        """Store 👍/👎 with the answer to the question `ts` (the latest click wins). False when
        no such answer is recorded (or the database cannot be reached)."""
        if value not in FEEDBACK:
            raise ValueError(f"feedback must be one of {FEEDBACK}")
        if self.metrics is not None:
            self.metrics.feedback(value)
        found = False
        for values in self._pending:  # not written yet: it goes in with the row
            if (values["team"], values["channel"], values["ts"]) == (team, channel, ts):
                values["feedback"], found = value, True
        try:
            async with self._writing, self.engine.begin() as conn:
                result = await conn.execute(update(usage).where(and_(
                    usage.c.team == team, usage.c.channel == channel, usage.c.ts == ts,
                    usage.c.outcome != "refused")).values(feedback=value))
        except Exception as error:
            log.warning("could not store feedback for %s in %s: %s", ts, channel,
                        describe(error))
            return found
        return found or result.rowcount > 0

    async def summary(self, team: str | None, since: datetime, until: datetime,
                      by: str = "user") -> list[queries.Line]:
        return await queries.summary(self.engine, team, since, until, by)

    async def top(self, team: str | None, since: datetime, until: datetime, by: str,
                  limit: int = 5) -> list[queries.Line]:
        return await queries.top(self.engine, team, since, until, by, limit)

    async def flush(self, timeout: float | None = None) -> bool:
        """Wait until every recorded row is written; False if that took longer than timeout."""
        if self._pending:
            try:
                await asyncio.wait_for(self._idle.wait(), timeout)
            except TimeoutError:
                return False
        return True

    async def close(self) -> None:
        """Write what is pending (briefly), then let go of the database."""
        await self.flush(CLOSE_SECONDS)
        self._closing.set()  # the task ends between two queries, never inside one
        self._wake.set()
        if self._task is not None and not (await asyncio.wait({self._task},
                                                              timeout=CLOSE_SECONDS))[0]:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self._pending:
            self._lost(len(self._pending), "they could not be written before shutdown")
        await self.engine.dispose()

    # --- the background task -------------------------------------------------------------

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        refresh_at = loop.time() + self.refresh_seconds
        purge_at = loop.time() + PURGE_EVERY.total_seconds()
        delay = 0.0  # after a failed write: how long until the next attempt
        while not self._closing.is_set():
            self._wake.clear()
            if self._pending:
                delay = 0.0 if await self._write() else min(MAX_RETRY_SECONDS,
                                                            max(0.5, delay * 2))
            if not self._pending:
                self._idle.set()
            if loop.time() >= refresh_at:
                await self._guarded(self._refresh, "refresh the spend totals")
                refresh_at = loop.time() + self.refresh_seconds
            if loop.time() >= purge_at:
                await self._guarded(self._purge, "delete expired usage rows")
                purge_at = loop.time() + PURGE_EVERY.total_seconds()
            if delay:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._closing.wait(), delay)
            elif not self._pending:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), max(0.0, refresh_at - loop.time()))

    async def _write(self) -> bool:
        batch = self._pending[:BATCH]
        try:
            async with self._writing, self.engine.begin() as conn:
                result = await conn.execute(
                    usage.insert().returning(usage.c.id, sort_by_parameter_order=True), batch)
                ids = [row.id for row in result]
        except Exception as error:
            log.warning("could not write %s usage row(s), will retry: %s", len(batch),
                        describe(error))
            if self.metrics is not None:
                self.metrics.ledger_write_failed(len(batch))
            return False
        del self._pending[:len(batch)]
        self._seen.update(ids)
        return True

    async def _refresh(self) -> None:
        """Add the rows other instances wrote since the last refreshes to the totals (by id, so
        rows written late with an earlier time, e.g. after an outage, count too)."""
        floor, start = self._highest[0], now() - WINDOW
        query = select(usage.c.id, usage.c.team, usage.c.user, usage.c.channel, usage.c.time,
                       usage.c.cost_usd).where(usage.c.id > floor, usage.c.time >= start,
                                               usage.c.cost_usd > 0)
        async with self.engine.connect() as conn:
            result = await conn.execute(query)
            for row in result:
                if row.id not in self._seen:
                    self._seen.add(row.id)
                    self.totals.add(row.team, row.user, row.channel, row.time, row.cost_usd)
        self._highest.append(max(self._seen, default=floor))
        self._seen = {i for i in self._seen if i > self._highest[0]}
        self.totals.forget_before(start)

    async def _purge(self) -> None:
        async with self.engine.begin() as conn:
            result = await conn.execute(delete(usage).where(usage.c.time < now() - self.retention))
        if result.rowcount:
            log.info("deleted %s usage row(s) older than %s days", result.rowcount,
                     self.retention.days)

    async def _guarded(self, job, what: str) -> None:
        try:
            await job()
        except Exception as error:
            log.warning("could not %s: %s", what, describe(error))

    def _lost(self, rows: int, why: str) -> None:
        log.error("%s usage row(s) lost: %s", rows, why)
        if self.metrics is not None:
            self.metrics.ledger_rows_lost(rows)
