"""Ledger migrations are all or nothing: a process killed in the middle of an upgrade leaves the
previous version intact (on SQLite and PostgreSQL), and the next start completes it."""

import subprocess
import sys
from pathlib import Path

from sqlalchemy import inspect, select, text

from bot.ledger import Ledger, schema
from bot.ledger.engine import create_engine
from bot.ledger.schema import schema_version, upgrade

ROOT = Path(__file__).resolve().parents[2]

# The upgrade as the bot runs it, with one more step that kills the process after the real steps
# (ALTER TABLE, CREATE TABLE): no rollback, no cleanup, as with `kill -9` or a power cut.
KILLED_UPGRADE = """
import asyncio, os, sys
from bot.ledger import schema
from bot.ledger.engine import create_engine

schema.MIGRATIONS.append(lambda conn: os._exit(9))
asyncio.run(schema.upgrade(create_engine(sys.argv[1]), len(schema.MIGRATIONS)))
"""


async def columns_and_version(url: str) -> tuple[list[str], int, list[str]]:
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            names, tables = await conn.run_sync(lambda c: (
                [col["name"] for col in inspect(c).get_columns("usage")],
                inspect(c).get_table_names()))
            version = (await conn.execute(select(schema_version.c.version))).scalar()
    finally:
        await engine.dispose()
    return names, version, tables


async def test_an_upgrade_killed_midway_leaves_the_old_version_and_the_next_start_completes_it(
        database_url):
    engine = create_engine(database_url)
    await upgrade(engine, 1)  # the database of the first release, before `feedback`
    async with engine.begin() as conn:
        await conn.execute(text(
            "INSERT INTO usage (time, team, channel, ts, \"user\", model, input_tokens, "
            "cache_write_tokens, cache_read_tokens, output_tokens, outcome, seconds) VALUES "
            "('2026-12-01 10:00:00', 'T1', 'C1', '7.7', 'U1', 'm', 1, 0, 0, 4, 'answered', 1)"))
    await engine.dispose()

    killed = subprocess.run([sys.executable, "-c", KILLED_UPGRADE, database_url], cwd=ROOT,
                            capture_output=True, text=True, timeout=60)
    assert killed.returncode == 9, killed.stderr

    names, version, tables = await columns_and_version(database_url)
    assert version == 1
    assert "feedback" not in names  # the killed upgrade's ALTER TABLE was rolled back with it
    assert "installations" not in tables  # and so was its CREATE TABLE

    ledger = await Ledger.open(database_url, 10_000)  # the next start
    names, version, tables = await columns_and_version(database_url)
    assert (version, names.count("feedback")) == (schema.VERSION, 1)
    assert "installations" in tables
    assert await ledger.set_feedback("T1", "C1", "7.7", "positive")  # the old row is kept
    await ledger.close()
