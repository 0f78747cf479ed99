"""The usage ledger and metrics end to end: real answers through the real bot produce one
ledger row each (numbers and ids, never text), `python -m bot usage` reports them, /metrics
counts them, and a database that goes away mid-run never costs an answer."""

import asyncio
import csv
import io
import json
import os
import socket
import sqlite3
import sys
from datetime import UTC, datetime, timedelta

import aiohttp
import pytest
from sqlalchemy.engine import make_url

from bot.app import StartupError
from bot.devserver.claude import Reply
from bot.footer import Usage, cost_usd
from bot.ledger.queries import COLUMNS, rows
from tests.e2e.helpers import answered, body_of, footer_of
from tests.e2e.processes import start_bot_process, stop_bot
from tests.e2e.test_http_mode import free_port, http_bot, mention_payload, signed

QUESTION = "<@UBOT> what did the secret merger with Initech cost?"
ANSWER = "The merger figures are confidential."
REPLY = Reply(text=ANSWER, chunk_chars=5, delay=0.01, input_tokens=120, cache_write=100,
              cache_read=3000, output_tokens=7)


async def ledger_rows(bot) -> list[dict]:
    await bot.inflight.wait()  # each answer records its row as it ends
    assert await bot.deps.ledger.flush(10)
    now = datetime.now(UTC)
    return [r async for r in rows(bot.deps.ledger.engine, now - timedelta(days=1),
                                  now + timedelta(days=1))]


async def get(url: str) -> tuple[int, str, str]:
    async with aiohttp.ClientSession() as http, http.get(url) as response:
        return response.status, response.headers["Content-Type"], await response.text()


async def test_an_answer_is_one_ledger_row_with_its_tokens_and_cost_and_no_text(
        slack, claude, make_bot, tmp_path):
    claude.default = REPLY
    port = free_port()
    bot = await make_bot(METRICS_PORT=str(port))
    mention = await slack.user_message("C0GENERAL", "U0ALICE", QUESTION)
    [reply] = await answered(slack)
    assert body_of(reply) == ANSWER
    [row] = await ledger_rows(bot)
    usage = Usage(input_tokens=120, output_tokens=7, cache_write=100, cache_read=3000)
    assert {k: row[k] for k in COLUMNS if k not in ("time", "seconds")} == {
        "team": slack.team_id, "channel": "C0GENERAL", "thread_ts": mention["ts"],
        "ts": mention["ts"], "user": "U0ALICE", "model": "claude-sonnet-5-5",
        "input_tokens": 120, "cache_write_tokens": 100, "cache_read_tokens": 3000,
        "output_tokens": 7, "cost_usd": cost_usd("claude-sonnet-5-5", usage),
        "outcome": "answered", "reason": None, "feedback": None, "tool_calls": 0}
    assert 0 < row["seconds"] < 30
    stored = (tmp_path / "usage.sqlite3").read_bytes()
    assert b"Initech" not in stored and b"confidential" not in stored

    status, kind, text = await get(f"http://127.0.0.1:{port}/metrics")
    assert status == 200 and kind.startswith("text/plain")
    for line in ('claude_slack_answers_total{outcome="answered"} 1.0',
                 'claude_slack_tokens_total{kind="cache_read",model="claude-sonnet-5-5"} 3000.0',
                 'claude_slack_tokens_total{kind="output",model="claude-sonnet-5-5"} 7.0',
                 'claude_slack_answers_in_flight 0.0',
                 'claude_slack_placeholder_seconds_count 1.0',
                 'claude_slack_first_text_seconds_count 1.0',
                 'claude_slack_answer_seconds_count 1.0'):
        assert line in text, line
    [cost] = [line.split()[-1] for line in text.splitlines()
              if line.startswith('claude_slack_cost_usd_total{model="claude-sonnet-5-5"}')]
    assert float(cost) == pytest.approx(row["cost_usd"])
    status, _kind, health = await get(f"http://127.0.0.1:{port}/health")
    assert status == 200 and json.loads(health)["ok"] is True


async def test_the_usage_command_prints_a_table_and_csv(slack, claude, make_bot, tmp_path):
    claude.default = REPLY
    bot = await make_bot()
    mention = await slack.user_message("C0GENERAL", "U0ALICE", QUESTION)
    await answered(slack)
    await ledger_rows(bot)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "ANTHROPIC_"))}
    env["DATABASE_URL"] = f"sqlite:///{tmp_path}/usage.sqlite3"  # nothing else is needed

    async def usage(*args: str) -> str:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "usage", *args, cwd=tmp_path, env=env,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
        out, err = await asyncio.wait_for(process.communicate(), 60)
        assert process.returncode == 0, err.decode()
        return out.decode()

    exported = await usage("--csv")
    lines = exported.splitlines()
    assert lines[0] == ("time,team,channel,thread_ts,ts,user,model,input_tokens,"
                        "cache_write_tokens,cache_read_tokens,output_tokens,cost_usd,outcome,"
                        "reason,seconds,feedback,tool_calls")
    [row] = list(csv.DictReader(io.StringIO(exported)))
    assert (row["channel"], row["ts"], row["user"], row["outcome"]) == (
        "C0GENERAL", mention["ts"], "U0ALICE", "answered")
    assert (row["input_tokens"], row["cache_read_tokens"], row["output_tokens"]) == (
        "120", "3000", "7")
    assert datetime.fromisoformat(row["time"]).tzinfo is not None
    assert "Initech" not in exported

    table = await usage("--by", "model")
    assert "by model" in table and "claude-sonnet-5-5" in table
    assert table.splitlines()[-1].split()[:2] == ["total", "1"]
    today = datetime.now(UTC).date()
    earlier = await usage("--until", str(today - timedelta(days=1)), "--since",
                          str(today - timedelta(days=30)), "--csv")
    assert earlier.splitlines() == lines[:1]  # nothing in that period


async def test_metrics_in_http_mode_count_slack_rate_limits(slack, claude, make_bot):
    claude.default = Reply(text="A slower answer, edited a few times.", chunk_chars=4,
                           delay=0.02)
    url = await http_bot(make_bot)
    slack.fail_next("chat.update", retry_after=0.2)
    body = json.dumps(mention_payload(slack))
    async with aiohttp.ClientSession() as http, http.post(url, data=body,
                                                          headers=signed(body)) as response:
        assert response.status == 200
    [reply] = await answered(slack)
    assert footer_of(reply)
    answered_row = 'claude_slack_answers_total{outcome="answered"} 1.0'
    for _ in range(100):  # the row is counted once the final edit's response is back
        status, kind, text = await get(url.replace("/slack/events", "/metrics"))
        if answered_row in text:
            break
        await asyncio.sleep(0.05)
    assert status == 200 and kind.startswith("text/plain")
    assert 'claude_slack_slack_ratelimited_total{method="chat.update"} 1.0' in text
    assert answered_row in text
    status, _kind, _body = await get(url.replace("/slack/events", "/health"))
    assert status == 200


async def test_json_logs_carry_one_usage_line_per_answer(slack, claude, tmp_path):
    claude.default = REPLY
    process = await start_bot_process(slack, claude, tmp_path, LOG_FORMAT="json")
    try:
        await slack.wait_connected(timeout=30)
        await slack.user_message("C0GENERAL", "U0ALICE", QUESTION)
        await answered(slack)
    finally:
        logged = await stop_bot(process)
    entries = [json.loads(line) for line in logged.splitlines() if line.strip()]
    assert all({"time", "level", "logger", "message"} <= e.keys() for e in entries)
    [usage] = [e for e in entries if e["message"].startswith("usage ")]
    assert usage["level"] == "INFO"
    assert (usage["team"], usage["channel"], usage["user"], usage["outcome"]) == (
        slack.team_id, "C0GENERAL", "U0ALICE", "answered")
    assert (usage["input_tokens"], usage["output_tokens"], usage["cache_read_tokens"]) == (
        120, 7, 3000)
    assert usage["cost_usd"] > 0 and usage["seconds"] > 0
    assert "Initech" not in logged and "confidential" not in logged


async def test_a_database_that_goes_away_mid_run_costs_no_answer_and_no_row(
        slack, claude, make_bot, postgres):
    url = postgres.create_database()
    database = make_url(url).database
    claude.default = REPLY
    bot = await make_bot(DATABASE_URL=url)
    postgres.sql(f"ALTER DATABASE {database} ALLOW_CONNECTIONS false; "
                 f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                 f"WHERE datname = '{database}';")
    await slack.user_message("C0GENERAL", "U0ALICE", QUESTION)
    [reply] = await answered(slack)
    assert body_of(reply) == ANSWER  # delivered while the ledger cannot write
    metrics = bot.deps.metrics
    await slack.wait_for(lambda: metrics.write_failures._value.get() >= 1,
                         what="a failed ledger write")
    assert bot.deps.ledger.spent(slack.team_id, datetime.now(UTC) - timedelta(hours=1)) > 0
    postgres.sql(f"ALTER DATABASE {database} ALLOW_CONNECTIONS true")
    [row] = await ledger_rows(bot)  # written once the database is back
    assert (row["user"], row["outcome"], row["output_tokens"]) == ("U0ALICE", "answered", 7)
    assert metrics.rows_lost._value.get() == 0


async def test_an_unreachable_database_at_start_stops_the_bot_with_one_line(
        slack, claude, tmp_path):
    process = await start_bot_process(
        slack, claude, tmp_path, DATABASE_URL="postgresql://bot:pw-123456@127.0.0.1:1/usage")
    await asyncio.wait_for(process.wait(), 60)
    logged = await stop_bot(process)
    assert process.returncode == 1
    last = logged.strip().splitlines()[-1]
    assert last.startswith("Startup error: the usage database at DATABASE_URL")
    assert "Traceback" not in logged and "pw-123456" not in logged


async def test_a_failed_answer_is_recorded_as_failed(slack, claude, make_bot):
    claude.default = Reply(text="Half an answer that breaks off", chunk_chars=5,
                           error_after=10, input_tokens=50, output_tokens=3)
    bot = await make_bot()
    await slack.user_message("C0GENERAL", "U0ALICE", QUESTION)
    await answered(slack)
    [row] = await ledger_rows(bot)
    assert (row["outcome"], row["input_tokens"]) == ("failed", 50)  # what was billed so far


async def test_an_answer_cut_at_shutdown_is_recorded_as_interrupted(slack, claude, tmp_path):
    claude.default = Reply(text="This will take a long while. " * 50, chunk_chars=5, delay=0.05)
    process = await start_bot_process(slack, claude, tmp_path, SHUTDOWN_GRACE_SECONDS="0.5")
    await slack.wait_connected(timeout=30)
    await slack.user_message("C0GENERAL", "U0ALICE", QUESTION)
    await slack.wait_for(lambda: slack.calls_to("chat.update"), what="streaming to start")
    logs = await stop_bot(process)
    assert process.returncode == 0, logs
    with sqlite3.connect(tmp_path / "usage.sqlite3") as db:  # the default, in the working dir
        assert db.execute("SELECT outcome, user FROM usage").fetchall() == [
            ("interrupted", "U0ALICE")]


async def test_a_metrics_port_in_use_is_one_start_up_line(slack, claude, make_bot):
    with socket.socket() as taken:
        taken.bind(("0.0.0.0", 0))
        taken.listen()
        with pytest.raises(StartupError, match="METRICS_PORT"):
            await make_bot(METRICS_PORT=str(taken.getsockname()[1]))
