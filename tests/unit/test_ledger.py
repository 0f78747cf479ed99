"""The usage ledger on real databases: SQLite in a temporary directory and a real PostgreSQL
server (tests/databases.py), the same tests on both."""

import asyncio
import sqlite3
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import inspect, select, text

from bot.ledger import Ledger, LedgerUnavailable, UsageRow, engine, schema
from bot.ledger.engine import create_engine
from bot.ledger.queries import COLUMNS, rows
from bot.ledger.schema import migrate, schema_version
from bot.metrics import Metrics

NOW = datetime.now(UTC)


def row(**values) -> UsageRow:
    base = {"time": NOW, "team": "T1", "channel": "C1", "thread_ts": "1.1", "ts": "1.2",
            "user": "U1", "model": "claude-sonnet-5-5", "input_tokens": 100,
            "cache_write_tokens": 10, "cache_read_tokens": 1000, "output_tokens": 50,
            "cost_usd": 0.25, "seconds": 2.5}
    return UsageRow(**{**base, **values})


async def eventually(condition, timeout: float = 5.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        assert asyncio.get_running_loop().time() < deadline, "condition not met in time"
        await asyncio.sleep(0.02)


async def all_rows(ledger: Ledger) -> list[dict]:
    return [r async for r in rows(ledger.engine, NOW - timedelta(days=400),
                                  NOW + timedelta(days=1))]


async def test_a_row_is_written_with_every_column_and_no_text(database_url):
    ledger = await Ledger.open(database_url, 400)
    await ledger.record(row(outcome="failed", reason=None))
    assert await ledger.flush(5)
    [stored] = await all_rows(ledger)
    assert stored == {**row(outcome="failed").values(), "feedback": None}
    async with ledger.engine.connect() as conn:
        names = await conn.run_sync(lambda c: [col["name"] for col in
                                               inspect(c).get_columns("usage")])
    assert sorted(names) == sorted(["id", *COLUMNS])  # ids, numbers and outcomes; no text
    await ledger.close()


async def test_spend_counts_own_rows_at_once_and_other_instances_within_a_refresh(
        database_url):
    first = await Ledger.open(database_url, 400, refresh_seconds=0.05)
    second = await Ledger.open(database_url, 400, refresh_seconds=0.05)
    day = NOW - timedelta(hours=1)
    await first.record(row(cost_usd=1.5))
    await first.record(row(user="U2", channel="C2", cost_usd=0.5))
    await first.record(row(team="T2", cost_usd=7.0))
    await first.record(row(outcome="refused", reason="user_daily", cost_usd=None))
    assert first.spent("T1", day) == 2.0  # no database round trip: counted when recorded
    assert first.spent("T1", day, user="U1") == 1.5
    assert first.spent("T1", day, channel="C2") == 0.5
    assert first.spent("T1", day, user="U2", channel="C1") == 0
    assert first.spent("T1", NOW + timedelta(hours=1)) == 0
    await eventually(lambda: second.spent("T1", day) == 2.0)
    assert second.spent("T2", day) == 7.0
    await second.record(row(cost_usd=1.0, time=NOW - timedelta(minutes=30)))  # written late
    await eventually(lambda: first.spent("T1", NOW - timedelta(days=1)) == 3.0)
    for _ in range(3):  # further refreshes never count a row twice
        await first._refresh()
    week = NOW - timedelta(days=7)
    assert (first.spent("T1", week), second.spent("T1", week)) == (3.0, 3.0)
    await first.close()
    await second.close()
    reopened = await Ledger.open(database_url, 400)  # loaded from the database at start
    assert reopened.spent("T1", day, user="U1") == 2.5
    await reopened.close()


async def test_feedback_is_stored_with_the_answer_and_the_latest_click_wins(database_url):
    metrics = Metrics()
    ledger = await Ledger.open(database_url, 400, metrics=metrics)
    await ledger.record(row(ts="5.5"))
    assert await ledger.set_feedback("T1", "C1", "5.5", "positive")  # still pending is fine
    await ledger.flush(5)
    assert await ledger.set_feedback("T1", "C1", "5.5", "negative")
    assert not await ledger.set_feedback("T1", "C1", "9.9", "positive")
    [stored] = await all_rows(ledger)
    assert stored["feedback"] == "negative"
    assert metrics.feedbacks.labels(value="positive")._value.get() == 2
    await ledger.close()


async def test_a_database_of_an_older_schema_is_migrated_keeping_its_rows(database_url):
    engine = create_engine(database_url)
    async with engine.begin() as conn:  # what the first version of the bot created
        await conn.run_sync(migrate, 1)
        await conn.execute(text(
            "INSERT INTO usage (time, team, channel, thread_ts, ts, \"user\", model, "
            "input_tokens, cache_write_tokens, cache_read_tokens, output_tokens, cost_usd, "
            "outcome, reason, seconds) VALUES (:time, 'T1', 'C1', NULL, '7.7', 'U1', 'm', 1, 2, "
            "3, 4, 0.5, 'answered', NULL, 1.0)"),
            {"time": NOW.replace(tzinfo=None) if engine.dialect.name == "sqlite" else NOW})
    await engine.dispose()
    ledger = await Ledger.open(database_url, 400)
    async with ledger.engine.connect() as conn:
        assert (await conn.execute(select(schema_version.c.version))).scalar() == schema.VERSION
    assert await ledger.set_feedback("T1", "C1", "7.7", "positive")
    [old] = await all_rows(ledger)
    assert (old["ts"], old["output_tokens"], old["feedback"]) == ("7.7", 4, "positive")
    assert ledger.spent("T1", NOW - timedelta(days=1)) == 0.5
    await ledger.close()
    again = await Ledger.open(database_url, 400)  # a current database is left as it is
    assert len(await all_rows(again)) == 1
    await again.close()


async def test_rows_past_the_retention_period_are_deleted_at_start(database_url):
    ledger = await Ledger.open(database_url, 400)
    await ledger.record(row(time=NOW - timedelta(days=40), ts="old"))
    await ledger.record(row(time=NOW - timedelta(days=20), ts="recent"))
    await ledger.close()
    ledger = await Ledger.open(database_url, 30)
    assert [r["ts"] for r in await all_rows(ledger)] == ["recent"]
    await ledger.close()


async def test_summary_and_top(database_url):
    ledger = await Ledger.open(database_url, 400)
    yesterday = NOW - timedelta(days=1)
    await ledger.record(row(user="U1", cost_usd=1.0, time=yesterday))
    await ledger.record(row(user="U2", cost_usd=3.0, model="claude-opus-5-5"))
    await ledger.record(row(user="U2", cost_usd=None, outcome="refused", reason="user_daily",
                            input_tokens=0, cache_write_tokens=0, cache_read_tokens=0,
                            output_tokens=0))
    await ledger.record(row(team="T2", user="U9", cost_usd=9.0))
    await ledger.flush(5)
    since, until = NOW - timedelta(days=2), NOW + timedelta(days=1)
    by_user = await ledger.summary("T1", since, until, "user")
    assert [(x.key, x.answers, x.refused, x.cost_usd) for x in by_user] == [
        ("U1", 1, 0, 1.0), ("U2", 1, 1, 3.0)]
    assert by_user[1].output_tokens == 50
    by_day = await ledger.summary("T1", since, until, "day")
    assert [x.key for x in by_day] == [str(yesterday.date()), str(NOW.date())]
    [top] = await ledger.top("T1", since, until, "model", limit=1)
    assert (top.key, top.cost_usd) == ("claude-opus-5-5", 3.0)
    assert len(await ledger.summary(None, since, until, "user")) == 3
    await ledger.close()


async def test_an_unreachable_database_at_start_names_database_url(tmp_path):
    with pytest.raises(LedgerUnavailable) as raised:
        await Ledger.open("postgresql://bot:s3cret-pw@127.0.0.1:1/usage", 400)
    message = str(raised.value)
    assert "DATABASE_URL" in message and "127.0.0.1:1" in message
    assert "s3cret-pw" not in message
    with pytest.raises(LedgerUnavailable, match="DATABASE_URL"):
        await Ledger.open(f"sqlite:///{tmp_path}/missing/dir/usage.sqlite3", 400)


async def test_a_locked_database_fails_the_write_which_is_retried(tmp_path, monkeypatch):
    monkeypatch.setattr(engine, "SQLITE_BUSY_SECONDS", 0.1)
    path = tmp_path / "usage.sqlite3"
    metrics = Metrics()
    ledger = await Ledger.open(f"sqlite:///{path}", 400, metrics=metrics)
    other = sqlite3.connect(path)  # another process holding the write lock
    other.execute("BEGIN EXCLUSIVE")
    await ledger.record(row(cost_usd=2.0))
    await eventually(lambda: metrics.write_failures._value.get() >= 1)
    assert ledger.spent("T1", NOW - timedelta(hours=1)) == 2.0  # still counts for limits
    other.rollback()
    other.close()
    assert await ledger.flush(10)
    assert len(await all_rows(ledger)) == 1
    assert metrics.rows_lost._value.get() == 0
    await ledger.close()


async def test_metrics_count_every_row(database_url):
    metrics = Metrics()
    ledger = await Ledger.open(database_url, 400, metrics=metrics)
    await ledger.record(row())
    await ledger.record(row(outcome="refused", reason="access", cost_usd=None,
                            input_tokens=0, cache_write_tokens=0, cache_read_tokens=0,
                            output_tokens=0))
    exposition = metrics.text().decode()
    assert 'claude_slack_answers_total{outcome="answered"} 1.0' in exposition
    assert 'claude_slack_answers_total{outcome="refused"} 1.0' in exposition
    assert 'claude_slack_refusals_total{reason="access"} 1.0' in exposition
    assert ('claude_slack_tokens_total{kind="cache_read",model="claude-sonnet-5-5"} 1000.0'
            in exposition)
    assert 'claude_slack_cost_usd_total{model="claude-sonnet-5-5"} 0.25' in exposition
    await ledger.close()
