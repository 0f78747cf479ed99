"""DATABASE_URL as hosting providers hand it out, against real servers: TLS settings in the
query string (`?sslmode=require`: Render, Neon, Supabase, Heroku) and PgBouncer in transaction
mode in front of PostgreSQL (Supabase's pooler port), shared by several bot processes. The
pooler (tests/hosted_databases.py) admits TLS connections only."""

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from bot.ledger import Ledger, LedgerUnavailable
from tests.e2e.helpers import answered, ledger_rows
from tests.hosted_databases import PgBouncer, certificates, pgbouncer_binary
from tests.system_packages import require

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def pgbouncer(postgres):
    binary = pgbouncer_binary()
    require(binary is not None,
            "the hosted-database tests need PgBouncer: apt-get install pgbouncer")
    directory = Path(tempfile.mkdtemp(prefix="pgbouncer-"))  # as tests/databases.py does
    bouncer = PgBouncer(binary, postgres, directory)
    yield bouncer
    bouncer.stop()
    shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture
def database(postgres) -> str:
    """A fresh database's name on the session's PostgreSQL."""
    return make_url(postgres.create_database()).database


async def answer_one_mention(slack, make_bot, url: str):
    """The real bot with DATABASE_URL=url answers a mention; its ledger row, read back."""
    bot = await make_bot(DATABASE_URL=url)
    await slack.user_message("C0GENERAL", "U0ALICE", "<@UBOT> hello")
    await answered(slack)
    await bot.inflight.wait()
    [row] = [row for row in await ledger_rows(bot) if row.user == "U0ALICE"]
    return row


@pytest.mark.parametrize("query", [
    "sslmode=require",
    "sslmode=verify-full&sslrootcert={ca}",
    # Neon's and libpq's extras: channel_binding (asyncpg has none), connect_timeout, and a
    # parameter that libpq sends as a server setting
    "sslmode=verify-ca&sslrootcert={ca}&channel_binding=require&connect_timeout=5"
    "&application_name=claude-slack",
])
async def test_tls_settings_in_database_url_are_honoured(pgbouncer, database, query):
    ledger = await Ledger.open(pgbouncer.url(database, query.format(ca=pgbouncer.ca)), 400)
    await ledger.close()


async def test_without_tls_or_with_an_untrusted_certificate_the_start_stops_with_one_line(
        pgbouncer, database, tmp_path):
    other_ca, _, _ = certificates(tmp_path)
    for query in ("sslmode=disable", f"sslmode=verify-full&sslrootcert={other_ca}"):
        with pytest.raises(LedgerUnavailable) as refused:
            await Ledger.open(pgbouncer.url(database, query), 400)
        assert "DATABASE_URL" in str(refused.value) and "\n" not in str(refused.value)


async def test_the_bot_answers_and_records_over_tls(slack, claude, make_bot, pgbouncer,
                                                    database):
    url = pgbouncer.url(database, f"sslmode=verify-full&sslrootcert={pgbouncer.ca}")
    assert (await answer_one_mention(slack, make_bot, url)).outcome == "answered"


# One bot process behind the pooler, as each instance (or each restart) is one: it opens the
# ledger, writes a row, stores feedback on it and reads a summary.
INSTANCE = """
import asyncio, sys
from datetime import UTC, datetime, timedelta
from bot.ledger import Ledger, UsageRow

async def main(url, ts):
    ledger = await Ledger.open(url, 400)
    now = datetime.now(UTC)
    await ledger.record(UsageRow(time=now, team="T1", channel="C1", thread_ts=ts, ts=ts,
                                 user="U1", model="m", cost_usd=0.5, seconds=1.0))
    assert await ledger.flush(10)
    assert await ledger.set_feedback("T1", "C1", ts, "positive")
    [line] = await ledger.summary("T1", now - timedelta(days=1), now + timedelta(days=1))
    await ledger.close()
    print(line.answers)

asyncio.run(main(sys.argv[1], sys.argv[2]))
"""


async def test_several_processes_share_postgresql_through_a_transaction_mode_pooler(
        pgbouncer, database, slack, claude, make_bot):
    url = pgbouncer.url(database, "sslmode=require")
    for instance in (1, 2, 3):  # one server connection: each process meets the last one's
        done = subprocess.run([sys.executable, "-c", INSTANCE, url, f"{instance}.0"], cwd=ROOT,
                              capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr[-2000:]
        assert done.stdout.split() == [str(instance)]
    assert (await answer_one_mention(slack, make_bot, url)).outcome == "answered"
