"""A real PostgreSQL for the lake tests: initdb + pg_ctl in a temporary folder, on a free loopback port.

One server per test session; each test gets its own database in it (a lake of its own).
The password travels as PGPASSWORD, as the README tells users to pass it.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

PASSWORD = "lake-test-pw"


def _bin(name: str) -> str:
    found = shutil.which(name)
    if found:
        return found
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin"))
    if versions and (versions[-1] / name).exists():
        return str(versions[-1] / name)
    raise RuntimeError(f"{name} not found: `make test` installs the postgresql Debian package")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Postgres:
    port: int
    folder: Path
    _count: int = 0

    def new_lake_url(self) -> str:
        """A fresh database for one lake, and its catalog URL (no password in it)."""
        self._count += 1
        name = f"lake{self._count}"
        self.run(_bin("psql"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "quint", "-d", "postgres", "-qc",
                 f"create database {name}")  # fmt: skip
        return f"ducklake:postgres:host=127.0.0.1 port={self.port} dbname={name} user=quint"

    def run(self, *args: str) -> None:
        subprocess.run(
            _as_owner(list(args)), check=True, capture_output=True, env={**os.environ, "PGPASSWORD": PASSWORD}
        )


def _as_owner(args: list[str]) -> list[str]:
    """initdb refuses to run as root: run the server's tools as the postgres user there."""
    return ["runuser", "-u", "postgres", "--", *args] if os.geteuid() == 0 else args


@pytest.fixture(scope="session")
def postgres() -> Iterator[Postgres]:
    folder = Path(tempfile.mkdtemp(prefix="quint-pg-"))
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres")
    pwfile = folder / "pw"
    pwfile.write_text(PASSWORD + "\n")
    if os.geteuid() == 0:
        shutil.chown(pwfile, "postgres")
    data = folder / "data"
    subprocess.run(
        _as_owner([_bin("initdb"), "-D", str(data), "-U", "quint", f"--pwfile={pwfile}", "-A", "scram-sha-256"]),
        check=True,
        capture_output=True,
    )
    port = _free_port()
    options = f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off"
    subprocess.run(
        _as_owner([_bin("pg_ctl"), "-D", str(data), "-o", options, "-l", str(folder / "log"), "-w", "start"]),
        check=True,
        capture_output=True,
    )
    try:
        yield Postgres(port, folder)
    finally:
        subprocess.run(_as_owner([_bin("pg_ctl"), "-D", str(data), "-m", "immediate", "stop"]), capture_output=True)
        shutil.rmtree(folder, ignore_errors=True)


@dataclass
class S3:
    endpoint: str
    """host:port, plain http."""
    bucket: str = "lake"

    def keys(self) -> list[str]:
        import boto3

        client = boto3.client(
            "s3",
            endpoint_url=f"http://{self.endpoint}",
            region_name="us-east-1",
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )
        return [item["Key"] for item in client.list_objects_v2(Bucket=self.bucket).get("Contents", [])]


@pytest.fixture(scope="session")
def s3() -> Iterator[S3]:
    """An S3-compatible server (moto) on a free loopback port, with one bucket."""
    import boto3
    from moto.server import ThreadedMotoServer

    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        store = S3(f"127.0.0.1:{port}")
        boto3.client(
            "s3",
            endpoint_url=f"http://{store.endpoint}",
            region_name="us-east-1",
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        ).create_bucket(Bucket=store.bucket)
        yield store
    finally:
        server.stop()
