"""A throwaway PostgreSQL + PostGIS cluster for the store tests.

``initdb`` + ``pg_ctl`` on a free port with fsync off, dropped after the
session. Sessions and CI run as root and ``pg_ctl`` refuses root, so the
cluster runs as the ``postgres`` user from a folder it owns (not under a
root-only temp dir). When the server cannot start the fixture **fails**
with the server's log: a store test that silently skips proves nothing.
"""

from __future__ import annotations

import glob
import itertools
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest


def _bin_dir() -> Path:
    """The newest installed server's binaries (Debian keeps them off PATH)."""
    found = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"),
        key=lambda p: int(Path(p).parent.parent.name),
    )
    if found:
        return Path(found[-1]).parent
    on_path = shutil.which("pg_ctl")
    if on_path:
        return Path(on_path).parent
    pytest.fail("PostgreSQL server binaries not found; run scripts/setup.sh")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PgCluster:
    """One running cluster; :meth:`new_database` hands out empty PostGIS dbs."""

    def __init__(self) -> None:
        self.bin = _bin_dir()
        self.as_root = os.geteuid() == 0
        self.user = "postgres" if self.as_root else pwd.getpwuid(os.geteuid()).pw_name
        self.folder = Path(tempfile.mkdtemp(prefix="planstore-pg-", dir="/tmp"))
        self.data = self.folder / "data"
        self.log = self.folder / "server.log"
        self.port = _free_port()
        self._names = itertools.count(1)
        if self.as_root:
            shutil.chown(self.folder, user="postgres", group="postgres")

    def _run(self, *args: str) -> subprocess.CompletedProcess:
        cmd = [str(self.bin / args[0]), *args[1:]]
        if self.as_root:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        return subprocess.run(cmd, capture_output=True, text=True, timeout=120)

    def start(self) -> None:
        init = self._run(
            "initdb",
            "-D",
            str(self.data),
            "--auth=trust",
            "-E",
            "UTF8",
            "-U",
            self.user,
            "--no-sync",
        )
        if init.returncode:
            pytest.fail(f"initdb failed:\n{init.stdout}\n{init.stderr}")
        opts = (
            f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off "
            "-c max_connections=60"
        )
        ctl = self._run(
            "pg_ctl",
            "-D",
            str(self.data),
            "-l",
            str(self.log),
            "-o",
            opts,
            "-w",
            "start",
        )
        if ctl.returncode:
            log = self.log.read_text() if self.log.exists() else ""
            pytest.fail(f"pg_ctl start failed:\n{ctl.stdout}\n{ctl.stderr}\n{log}")
        self.admin("CREATE DATABASE template_planstore")
        self.admin("CREATE EXTENSION postgis", db="template_planstore")

    def url(self, db: str) -> str:
        return f"postgresql://{self.user}@127.0.0.1:{self.port}/{db}"

    def admin(self, sql: str, db: str = "postgres") -> None:
        import psycopg

        try:
            with psycopg.connect(self.url(db), autocommit=True) as conn:
                conn.execute(sql)
        except psycopg.Error as exc:
            pytest.fail(f"{sql!r} on the test server failed: {exc}")

    def new_database(self) -> str:
        """URL of a fresh database with PostGIS, so tests never see each other."""
        name = f"t{next(self._names)}"
        self.admin(f"CREATE DATABASE {name} TEMPLATE template_planstore")
        return self.url(name)

    def stop(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        # thousands of catalog files: removed in the background, not waited for
        subprocess.Popen(["rm", "-rf", str(self.folder)], start_new_session=True)


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[PgCluster]:
    cluster = PgCluster()
    try:
        cluster.start()
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture
def pg_url(pg_cluster: PgCluster) -> str:
    """A fresh PostGIS database on the session's throwaway server."""
    return pg_cluster.new_database()


NewDatabase = Callable[[], str]
