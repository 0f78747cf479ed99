"""The usage ledger's share of event→placeholder: 20 simultaneous answers through the real bot
process with the ledger on SQLite and on a real PostgreSQL server; every answer must leave its
row. (No limit check reads the database before the placeholder: spend totals are in memory.)"""

from __future__ import annotations

import asyncio
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench import conversations
from bench.markdown import markdown_table
from bot.ledger.engine import create_engine
from bot.ledger.queries import rows
from tests.databases import PostgresServer


@dataclass
class LedgerFigures:
    database: str
    figures: conversations.Figures
    rows: int


async def count_rows(url: str) -> int:
    engine = create_engine(url)
    now = datetime.now(UTC)
    try:
        return len([r async for r in rows(engine, now - timedelta(days=1),
                                          now + timedelta(days=1))])
    finally:
        await engine.dispose()


async def run(answers: int = 20) -> list[LedgerFigures]:
    results = []
    with tempfile.TemporaryDirectory(prefix="bench-ledger-") as directory:
        postgres = await asyncio.to_thread(PostgresServer, Path(directory))
        try:
            for name, url in (("SQLite", f"sqlite:///{directory}/usage.sqlite3"),
                              ("PostgreSQL", await asyncio.to_thread(postgres.create_database))):
                figures = await conversations.run(answers, DATABASE_URL=url)
                results.append(LedgerFigures(name, figures, await count_rows(url)))
        finally:
            postgres.stop()
    return results


def table(results: list[LedgerFigures]) -> str:
    return markdown_table(
        ["ledger", "answers", "rows written", "event→placeholder p50 / p95", "bot CPU"],
        ([r.database, r.figures.completed, r.rows,
          f"{r.figures.placeholder_p50 * 1000:.1f} ms / {r.figures.placeholder_p95 * 1000:.1f} ms",
          f"{r.figures.cpu_seconds:.1f} s"] for r in results))
