"""The ledger's database engine: DATABASE_URL as SQLAlchemy's async drivers need it. SQLite gets
real transactions (so a migration is all or nothing); PostgreSQL is taken as hosted providers
hand it out: TLS settings in the URL (`?sslmode=require`), and possibly a transaction-mode pooler
(PgBouncer, Supabase's pooler port) in front of it."""

from __future__ import annotations

import functools
import inspect
from urllib.parse import urlencode

from sqlalchemy import event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

SQLITE_BUSY_SECONDS = 2  # a locked SQLite file fails the write, which is then retried
CONNECT_SECONDS = 10  # an unreachable PostgreSQL fails fast instead of asyncpg's 60 s
# An execution option: this SQLite transaction takes the write lock at BEGIN, so two processes
# migrating at once wait for each other instead of one failing on a lock upgrade.
IMMEDIATE = "sqlite_begin_immediate"

# SQLAlchemy hands a URL's query to asyncpg.connect() as keyword arguments, but libpq's own
# parameters (sslmode, sslrootcert, sslcert, sslkey, sslcrl, sslpassword, …) are read by asyncpg
# only from a connection string (asyncpg/connect_utils.py, _parse_connect_dsn_and_args): those go
# through one, and asyncpg turns any it does not know into server settings, as libpq would.
@functools.cache
def _asyncpg_keywords() -> frozenset[str]:
    import asyncpg  # only for PostgreSQL: a SQLite start does not pay for importing it

    return frozenset(inspect.signature(asyncpg.connect).parameters) - {"dsn"}


# libpq parameters with no asyncpg meaning, which PostgreSQL would refuse as server settings:
# asyncpg does not negotiate channel binding (the connection is still TLS with SCRAM when the
# server asks for it), and `pgbouncer=true` is Prisma's pooler switch, which this bot never needs.
DROPPED = frozenset({"channel_binding", "pgbouncer"})

# Behind a transaction-mode pooler, consecutive transactions of one client connection run on
# different server connections, so a named prepared statement made in one is missing (or a
# different client's) in the next. Unnamed statements, re-parsed at each execution, work
# everywhere (asyncpg re-parses them when its statement cache is off: connection.py
# _get_statement); the ledger runs a few statements a second, so the extra parse costs nothing
# that matters, and no setting or detection is needed.
POOLER_SAFE = {"statement_cache_size": 0, "prepared_statement_cache_size": 0,
               "prepared_statement_name_func": lambda: ""}


class DatabaseUrlError(ValueError):
    """DATABASE_URL holds a parameter with a value the bot cannot use."""


def async_url(url: str) -> str:
    """DATABASE_URL as SQLAlchemy's async drivers spell it."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://"):]
    for plain, driver in (("sqlite://", "sqlite+aiosqlite://"),
                          ("postgresql://", "postgresql+asyncpg://")):
        if url.startswith(plain):
            return driver + url[len(plain):]
    return url


def postgres_connect(url: URL) -> tuple[URL, dict]:
    """The URL SQLAlchemy should see and the extra arguments for asyncpg.connect()."""
    query = {name: value for name, value in url.query.items() if name not in DROPPED}
    args = {"timeout": CONNECT_SECONDS, "command_timeout": CONNECT_SECONDS, **POOLER_SAFE}
    if "connect_timeout" in query:  # libpq's name for asyncpg's `timeout`
        value = query.pop("connect_timeout")
        try:
            args["timeout"] = float(value if isinstance(value, str) else value[-1])
        except ValueError:
            raise DatabaseUrlError(f"connect_timeout={value!r} is not a number of "
                                   "seconds") from None
    kept = {name: value for name, value in query.items() if name in _asyncpg_keywords()}
    libpq = {name: value for name, value in query.items() if name not in kept}
    if libpq:
        args["dsn"] = "postgresql://?" + urlencode(libpq, doseq=True)
    return url.set(query=kept), args


def _sqlite_transactions(engine: AsyncEngine) -> None:
    """Python's sqlite3 begins a transaction only before INSERT/UPDATE/DELETE, so DDL such as
    ALTER TABLE commits on its own and a killed migration leaves half of it behind. SQLAlchemy's
    recipe: the driver begins nothing, SQLAlchemy emits BEGIN (SQLAlchemy's SQLite dialect
    documentation, "Enabling Non-Legacy SQLite Transactional Modes")."""

    @event.listens_for(engine.sync_engine, "connect")
    def _no_driver_begin(dbapi_connection, _record) -> None:
        dbapi_connection.isolation_level = None

    @event.listens_for(engine.sync_engine, "begin")
    def _begin(conn) -> None:
        immediate = conn.get_execution_options().get(IMMEDIATE)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def create_engine(url: str) -> AsyncEngine:
    full = make_url(async_url(url))
    if full.get_backend_name() == "sqlite":
        engine = create_async_engine(full, connect_args={"timeout": SQLITE_BUSY_SECONDS})
        _sqlite_transactions(engine)
        return engine
    full, connect_args = postgres_connect(full)
    # Pre-ping: after the database restarted, a pooled connection is replaced, not used.
    return create_async_engine(full, pool_pre_ping=True, pool_size=5, max_overflow=5,
                               connect_args=connect_args)
