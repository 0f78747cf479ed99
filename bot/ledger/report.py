"""`python -m bot usage`: what the bot cost, read from DATABASE_URL (no Slack or Claude
settings needed). A table by user, channel, model or day, or every row as CSV; days and months
begin at midnight in the policy's timezone, as for spend limits."""

from __future__ import annotations

import argparse
import asyncio
import csv
import os
import sys
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from pathlib import Path

from dotenv import find_dotenv, load_dotenv
from sqlalchemy.engine import make_url

from bot.config import DEFAULT_MODEL, ConfigError, _database_url, _policy_path, _prices, _text
from bot.ledger.engine import create_engine
from bot.ledger.queries import COLUMNS, GROUPINGS, Line, rows, summary
from bot.ledger.schema import upgrade
from bot.ledger.store import describe
from bot.policy.rules import PolicyError, read_policy

HEADINGS = ("answers", "refused", "input", "cache write", "cache read", "output", "cost USD")


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date like 2026-12-31") from None


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bot usage",
        description="Usage and cost from the ledger (days in the policy's timezone).")
    parser.add_argument("--since", type=_day, help="first day (default: this month's first)")
    parser.add_argument("--until", type=_day, help="last day, included (default: today)")
    parser.add_argument("--by", choices=GROUPINGS, default="user", help="group the table by")
    parser.add_argument("--csv", action="store_true", help="every row of the period, as CSV")
    return parser.parse_args(argv)


def period(since: date | None, until: date | None, today: date,
           zone: tzinfo = UTC) -> tuple[datetime, datetime]:
    """[start, end) for whole days in `zone`; by default this month so far."""
    first = since or today.replace(day=1)
    last = until or today
    return (datetime.combine(first, time(), zone),
            datetime.combine(last + timedelta(days=1), time(), zone))


def timezone(env) -> tzinfo:
    """The policy file's timezone (the bot's own reading of CLAUDE_POLICY), else UTC."""
    path = _policy_path(env)
    if path is None:
        return UTC
    return read_policy(path, _text(env, "CLAUDE_MODEL") or DEFAULT_MODEL, _prices(env)).timezone


def table(lines: list[Line], by: str) -> str:
    total = Line("total", *(sum(getattr(line, f) for line in lines) for f in (
        "answers", "refused", "input_tokens", "cache_write_tokens", "cache_read_tokens",
        "output_tokens", "cost_usd")))
    cells = [[by, *HEADINGS]] + [
        [line.key, *(f"{n:,}" for n in (line.answers, line.refused, line.input_tokens,
                                         line.cache_write_tokens, line.cache_read_tokens,
                                         line.output_tokens)), f"{line.cost_usd:,.4f}"]
        for line in [*lines, total]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(cells[0]))]
    return "\n".join("  ".join(cell.ljust(w) if i == 0 else cell.rjust(w)
                               for i, (cell, w) in enumerate(zip(row, widths, strict=True)))
                     for row in cells)


def csv_value(name: str, value: object) -> object:
    if value is None:
        return ""
    if name == "time":
        return value.isoformat(timespec="seconds")
    if name == "seconds":
        return round(value, 3)
    return value


async def report(url: str, args: argparse.Namespace, out, zone: tzinfo = UTC) -> None:
    since, until = period(args.since, args.until, datetime.now(zone).date(), zone)
    engine = create_engine(url)
    try:
        await upgrade(engine)  # an older ledger gets the current columns
        if args.csv:
            writer = csv.writer(out, lineterminator="\n")
            writer.writerow(COLUMNS)
            async for row in rows(engine, since, until):
                writer.writerow([csv_value(name, row[name]) for name in COLUMNS])
            return
        lines = await summary(engine, None, since, until, args.by, zone)
        last = (until - timedelta(days=1)).date()
        print(f"Usage from {since.date()} to {last} ({zone}), by {args.by}", file=out)
        print(table(lines, args.by), file=out)
    finally:
        await engine.dispose()


def main(argv: list[str]) -> int:
    args = parse(argv)
    load_dotenv(find_dotenv(usecwd=True))  # the same .env the bot reads
    try:
        url = _database_url(os.environ)
        zone = timezone(os.environ)
    except ConfigError as error:
        print(error.lines(), file=sys.stderr)
        return 2
    except PolicyError as error:
        print(f"Configuration error: {error}", file=sys.stderr)
        return 2
    parsed = make_url(url)
    if parsed.drivername == "sqlite" and not Path(parsed.database or "").exists():
        print(f"No usage recorded yet: {parsed.database} does not exist (DATABASE_URL).",
              file=sys.stderr)
        return 1
    try:
        asyncio.run(report(url, args, sys.stdout, zone))
    except Exception as error:  # one plain line, never a traceback
        shown = parsed.render_as_string(hide_password=True)
        print(f"Cannot read the usage database at DATABASE_URL ({shown}): {describe(error)}",
              file=sys.stderr)
        return 1
    return 0
