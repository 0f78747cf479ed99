"""The ledger's tables (SQLite or PostgreSQL through the same SQLAlchemy Core code) and the
migrations that bring any older database up to the current schema at start."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    Float,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
    select,
    text,
)
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.ledger.engine import IMMEDIATE


class UTCDateTime(TypeDecorator):
    """Aware UTC datetimes in and out; SQLite keeps them as naive UTC text (which sorts)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _usage_columns() -> list[Column]:
    """The columns of the first schema version (each version's step adds to them)."""
    return [
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("time", UTCDateTime, nullable=False),
        Column("team", String(32), nullable=False),
        Column("channel", String(32), nullable=False),
        Column("thread_ts", String(32)),
        Column("ts", String(32), nullable=False),
        Column("user", String(32), nullable=False),
        Column("model", String(100), nullable=False),
        Column("input_tokens", Integer, nullable=False, default=0),
        Column("cache_write_tokens", Integer, nullable=False, default=0),
        Column("cache_read_tokens", Integer, nullable=False, default=0),
        Column("output_tokens", Integer, nullable=False, default=0),
        Column("cost_usd", Float),
        Column("outcome", String(16), nullable=False),
        Column("reason", String(32)),
        Column("seconds", Float, nullable=False, default=0.0),
    ]


metadata = MetaData()
usage = Table("usage", metadata, *_usage_columns(), Column("feedback", String(8)),
              Column("tool_calls", Integer, nullable=False, server_default="0"),
              Index("usage_team_time", "team", "time"),
              Index("usage_question", "channel", "ts"))
schema_version = Table("schema_version", metadata, Column("version", Integer, nullable=False))
# Slack installations (many workspaces through Slack's OAuth install: bot/installs/): the ids to
# find one by, and everything else, tokens included, encrypted with SLACK_TOKEN_KEY.
installations = Table(
    "installations", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("enterprise_id", String(32), nullable=False),  # "" when none
    Column("team_id", String(32), nullable=False),  # "" on an org-wide install
    Column("org_wide", Boolean, nullable=False),
    Column("installed_at", UTCDateTime, nullable=False),
    Column("sealed", Text, nullable=False),
    UniqueConstraint("enterprise_id", "team_id", name="installations_key"))


def _create_v1(conn: Connection) -> None:
    first = MetaData()
    Table("usage", first, *_usage_columns(), Index("usage_team_time", "team", "time"),
          Index("usage_question", "channel", "ts"))
    first.create_all(conn)


def _add_feedback(conn: Connection) -> None:
    conn.execute(text("ALTER TABLE usage ADD COLUMN feedback VARCHAR(8)"))


def _add_tool_calls(conn: Connection) -> None:
    conn.execute(text("ALTER TABLE usage ADD COLUMN tool_calls INTEGER NOT NULL DEFAULT 0"))


def _create_installations(conn: Connection) -> None:
    installations.create(conn)


# Step N brings a database at version N-1 to version N. Append, never edit, a step.
MIGRATIONS: list[Callable[[Connection], None]] = [_create_v1, _add_feedback, _add_tool_calls,
                                                  _create_installations]
VERSION = len(MIGRATIONS)


def migrate(conn: Connection, target: int = VERSION) -> int:
    """Apply the steps a database lacks, in one transaction; returns the version it was at.
    On PostgreSQL an advisory lock keeps instances starting together from racing."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(7263010)"))
    schema_version.create(conn, checkfirst=True)
    found = conn.execute(select(schema_version.c.version)).scalar()
    if found is None:
        conn.execute(schema_version.insert().values(version=0))
        found = 0
    if found > VERSION:
        raise RuntimeError(f"the usage database has schema version {found}, newer than this "
                           f"bot's {VERSION}: update the bot")
    for step in MIGRATIONS[found:target]:
        step(conn)
    if target > found:
        conn.execute(schema_version.update().values(version=target))
    return found


async def upgrade(engine: AsyncEngine, target: int = VERSION) -> int:
    """Migrate in one transaction, which a crash or kill rolls back whole (on SQLite too: see
    engine.py); the next start then begins the upgrade again from the version left intact.
    Returns the version the database was at."""
    async with engine.connect() as conn:
        await conn.execution_options(**{IMMEDIATE: True})  # SQLite: take the write lock first
        async with conn.begin():
            return await conn.run_sync(migrate, target)
