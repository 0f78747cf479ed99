"""Report queries over the ledger: totals grouped by user, channel, model or day, and every
row of a period (for the CSV export)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo

from sqlalchemy import and_, case, func, select
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.sql.elements import ColumnElement

from bot.ledger.schema import usage

GROUPINGS = ("user", "channel", "model", "team", "day")
COLUMNS = ("time", "team", "channel", "thread_ts", "ts", "user", "model", "input_tokens",
           "cache_write_tokens", "cache_read_tokens", "output_tokens", "cost_usd", "outcome",
           "reason", "seconds", "feedback", "tool_calls")


@dataclass(frozen=True)
class Line:
    """Totals for one user, channel, model or day (YYYY-MM-DD, in the policy's timezone)."""

    key: str
    answers: int  # every row but refusals
    refused: int
    input_tokens: int
    cache_write_tokens: int
    cache_read_tokens: int
    output_tokens: int
    cost_usd: float


def _group(by: str) -> ColumnElement:
    if by not in GROUPINGS or by == "day":  # days: see _days
        raise ValueError(f"cannot group by {by!r} in SQL: use one of user, channel, model, team")
    return usage.c[by]


def _period(team: str | None, since: datetime, until: datetime) -> ColumnElement:
    where = and_(usage.c.time >= since, usage.c.time < until)
    return and_(where, usage.c.team == team) if team is not None else where


def _totals(by: str):
    key = _group(by).label("key")
    refused = usage.c.outcome == "refused"
    return key, select(
        key,
        func.sum(case((refused, 0), else_=1)).label("answers"),
        func.sum(case((refused, 1), else_=0)).label("refused"),
        *(func.sum(usage.c[name]).label(name) for name in (
            "input_tokens", "cache_write_tokens", "cache_read_tokens", "output_tokens")),
        func.coalesce(func.sum(usage.c.cost_usd), 0.0).label("cost_usd"))


async def summary(engine: AsyncEngine, team: str | None, since: datetime, until: datetime,
                  by: str = "user", zone: tzinfo = UTC) -> list[Line]:
    """One line per user (channel, model, day in `zone`) in [since, until), in key order."""
    if by == "day":
        return await _days(engine, team, since, until, zone)
    key, query = _totals(by)
    query = query.where(_period(team, since, until)).group_by(key).order_by(key)
    return await _lines(engine, query)


async def top(engine: AsyncEngine, team: str | None, since: datetime, until: datetime, by: str,
              limit: int = 5) -> list[Line]:
    """The `limit` users (channels, models, teams) that cost the most in [since, until)."""
    key, query = _totals(by)
    query = (query.where(_period(team, since, until)).group_by(key)
             .order_by(func.coalesce(func.sum(usage.c.cost_usd), 0.0).desc(), key).limit(limit))
    return await _lines(engine, query)


async def _days(engine: AsyncEngine, team: str | None, since: datetime, until: datetime,
                zone: tzinfo) -> list[Line]:
    """Days begin at midnight in `zone` (the policy's timezone), which SQLite cannot work out
    (it has no time zone rules), so the rows are added up here, for both databases alike."""
    days: dict[str, list] = {}
    async for row in rows(engine, since, until, team):
        totals = days.setdefault(row["time"].astimezone(zone).date().isoformat(), [0] * 7)
        refused = row["outcome"] == "refused"
        for i, value in enumerate((not refused, refused, row["input_tokens"],
                                   row["cache_write_tokens"], row["cache_read_tokens"],
                                   row["output_tokens"], row["cost_usd"] or 0.0)):
            totals[i] += value
    return [Line(day, *(int(v) for v in totals[:6]), float(totals[6]))
            for day, totals in sorted(days.items())]


async def _lines(engine: AsyncEngine, query) -> list[Line]:
    async with engine.connect() as conn:
        result = await conn.execute(query)
        return [Line(str(r.key), int(r.answers), int(r.refused), int(r.input_tokens),
                     int(r.cache_write_tokens), int(r.cache_read_tokens), int(r.output_tokens),
                     float(r.cost_usd)) for r in result]


async def rows(engine: AsyncEngine, since: datetime, until: datetime,
               team: str | None = None) -> AsyncIterator[dict]:
    """Every row of [since, until) in time order, as column → value (streamed)."""
    query = (select(*(usage.c[name] for name in COLUMNS)).where(_period(team, since, until))
             .order_by(usage.c.time, usage.c.id))
    async with engine.connect() as conn:
        result = await conn.stream(query)
        async for row in result:
            yield dict(row._mapping)
