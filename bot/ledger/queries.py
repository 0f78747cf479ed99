"""Report queries over the ledger: totals grouped by user, channel, model or day, and every
row of a period (for the CSV export)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import String, and_, case, func, select
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.sql.elements import ColumnElement

from bot.ledger.schema import usage

GROUPINGS = ("user", "channel", "model", "day")
COLUMNS = ("time", "team", "channel", "thread_ts", "ts", "user", "model", "input_tokens",
           "cache_write_tokens", "cache_read_tokens", "output_tokens", "cost_usd", "outcome",
           "reason", "seconds", "feedback", "tool_calls")


@dataclass(frozen=True)
class Line:
    """Totals for one user, channel, model or day (YYYY-MM-DD, UTC)."""

    key: str
    answers: int  # every row but refusals
    refused: int
    input_tokens: int
    cache_write_tokens: int
    cache_read_tokens: int
    output_tokens: int
    cost_usd: float


def _group(engine: AsyncEngine, by: str) -> ColumnElement:
    if by not in GROUPINGS:
        raise ValueError(f"cannot group by {by!r}: use one of {', '.join(GROUPINGS)}")
    if by != "day":
        return usage.c[by]
    if engine.dialect.name == "sqlite":  # stored as 'YYYY-MM-DD HH:MM:SS' in UTC
        return func.substr(usage.c.time, 1, 10, type_=String)
    return func.to_char(func.timezone("UTC", usage.c.time), "YYYY-MM-DD", type_=String)


def _period(team: str | None, since: datetime, until: datetime) -> ColumnElement:
    where = and_(usage.c.time >= since, usage.c.time < until)
    return and_(where, usage.c.team == team) if team is not None else where


def _totals(engine: AsyncEngine, by: str):
    key = _group(engine, by).label("key")
    refused = usage.c.outcome == "refused"
    return key, select(
        key,
        func.sum(case((refused, 0), else_=1)).label("answers"),
        func.sum(case((refused, 1), else_=0)).label("refused"),
        *(func.sum(usage.c[name]).label(name) for name in (
            "input_tokens", "cache_write_tokens", "cache_read_tokens", "output_tokens")),
        func.coalesce(func.sum(usage.c.cost_usd), 0.0).label("cost_usd"))


async def summary(engine: AsyncEngine, team: str | None, since: datetime, until: datetime,
                  by: str = "user") -> list[Line]:
    """One line per user (channel, model, day) in [since, until), in key order."""
    key, query = _totals(engine, by)
    query = query.where(_period(team, since, until)).group_by(key).order_by(key)
    return await _lines(engine, query)


async def top(engine: AsyncEngine, team: str | None, since: datetime, until: datetime, by: str,
              limit: int = 5) -> list[Line]:
    """The `limit` users (channels, models, days) that cost the most in [since, until)."""
    key, query = _totals(engine, by)
    query = (query.where(_period(team, since, until)).group_by(key)
             .order_by(func.coalesce(func.sum(usage.c.cost_usd), 0.0).desc(), key).limit(limit))
    return await _lines(engine, query)


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
