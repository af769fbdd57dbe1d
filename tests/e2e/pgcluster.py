"""PostgreSQL servers of a test's own, and PgBouncer in front of one, from the machine's packages.

- :class:`LocalCluster`: a primary made by ``initdb`` in a temporary directory on a free port, and
  a streaming standby of it made by ``pg_basebackup -R`` — a real replica whose replay can be paused
  and whose primary can be stopped, without touching the shared server on 5432 (whose configuration
  stays as it is: the test's primary gets replication connections from initdb's own pg_hba.conf).
- :class:`PgBouncer`: the Debian ``pgbouncer`` in transaction mode on a free port.

PostgreSQL and PgBouncer refuse to run as root; when the tests run as root (CI containers) the
servers run as the ``postgres`` OS user, which the Debian packages create.
"""

from __future__ import annotations

import asyncio
import contextlib
import csv
import io
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg
from stack import free_port

POSTGRES_USER = "postgres"


def postgres_bin_dir() -> Path | None:
    """``ZDRAV_PG_BINDIR``, else the newest ``/usr/lib/postgresql/<major>/bin`` with initdb (Debian)."""
    configured = os.environ.get("ZDRAV_PG_BINDIR")
    if configured:
        return Path(configured)
    found = sorted(
        (p for p in Path("/usr/lib/postgresql").glob("*/bin") if (p / "initdb").is_file()),
        key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0,
    )
    return found[-1] if found else None


def _as_server_user(argv: list[str]) -> list[str]:
    if os.geteuid() != 0:
        return argv
    return ["runuser", "-u", POSTGRES_USER, "--", *argv]


def _own_dir(prefix: str) -> Path:
    """A temporary directory the server user can write (and nobody else read)."""
    path = Path(tempfile.mkdtemp(prefix=prefix))
    if os.geteuid() == 0:
        user = pwd.getpwnam(POSTGRES_USER)
        os.chown(path, user.pw_uid, user.pw_gid)
    path.chmod(0o700)
    return path


def _run(argv: list[str], timeout_s: float = 120) -> None:
    done = subprocess.run(_as_server_user(argv), capture_output=True, text=True, timeout=timeout_s, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)} failed ({done.returncode}): {done.stdout[-2000:]} {done.stderr[-2000:]}")


@dataclass
class Server:
    """One PostgreSQL server (primary or standby) in its own data directory."""

    bin_dir: Path
    data_dir: Path
    port: int

    @property
    def log_path(self) -> Path:
        return self.data_dir.parent / f"{self.data_dir.name}.log"

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+asyncpg://{POSTGRES_USER}@127.0.0.1:{self.port}/{database}"

    def dsn(self, database: str = "postgres") -> str:
        return f"postgresql://{POSTGRES_USER}@127.0.0.1:{self.port}/{database}"

    def start(self) -> None:
        options = " ".join(
            [
                f"-c port={self.port}",
                "-c listen_addresses=127.0.0.1",
                "-c unix_socket_directories=''",
                # A test server: durability is not what is tested, and fsync costs the shared box.
                "-c fsync=off",
                "-c shared_buffers=32MB",
                "-c max_connections=120",
                # A standby retries its primary every second (default 5 s) once it is back.
                "-c wal_retrieve_retry_interval=1s",
                "-c wal_receiver_status_interval=1s",
            ]
        )
        _run([str(self.bin_dir / "pg_ctl"), "-D", str(self.data_dir), "-l", str(self.log_path), "-w", "-t", "60",
              "-o", options, "start"])  # fmt: skip

    def stop(self, mode: str = "fast") -> None:
        """``fast`` (clean shutdown) or ``immediate`` (a crash: no shutdown checkpoint)."""
        if (self.data_dir / "postmaster.pid").exists():
            _run([str(self.bin_dir / "pg_ctl"), "-D", str(self.data_dir), "-m", mode, "-w", "-t", "60", "stop"])

    async def fetchval(self, sql: str, database: str = "postgres") -> object:
        conn = await asyncpg.connect(self.dsn(database), timeout=5)
        try:
            return await conn.fetchval(sql)
        finally:
            await conn.close()


@dataclass
class LocalCluster:
    """A primary and, after :meth:`add_standby`, its streaming standby."""

    bin_dir: Path
    workdir: Path = field(default_factory=lambda: _own_dir("zdrav-pg-"))
    primary: Server | None = None
    standby: Server | None = None

    def create_primary(self) -> Server:
        data_dir = self.workdir / "primary"
        _run([str(self.bin_dir / "initdb"), "-D", str(data_dir), "-U", POSTGRES_USER, "-A", "trust", "-E", "UTF8",
              "--locale=C.UTF-8", "--no-sync"])  # fmt: skip
        self.primary = Server(self.bin_dir, data_dir, free_port())
        self.primary.start()
        return self.primary

    def add_standby(self) -> Server:
        """``pg_basebackup -R`` of the primary (standby.signal and primary_conninfo written), started."""
        assert self.primary is not None
        data_dir = self.workdir / "standby"
        _run([str(self.bin_dir / "pg_basebackup"), "-h", "127.0.0.1", "-p", str(self.primary.port),
              "-U", POSTGRES_USER, "-D", str(data_dir), "-R", "-X", "stream", "-c", "fast", "--no-sync"])  # fmt: skip
        self.standby = Server(self.bin_dir, data_dir, free_port())
        self.standby.start()
        return self.standby

    def close(self) -> None:
        for server in (self.standby, self.primary):
            if server is not None:
                with contextlib.suppress(RuntimeError, subprocess.TimeoutExpired):
                    server.stop("immediate")
        shutil.rmtree(self.workdir, ignore_errors=True)


async def wait_replayed(primary: Server, standby: Server, timeout_s: float = 30) -> None:
    """Until the standby has replayed everything the primary has written so far."""
    target = await primary.fetchval("SELECT pg_current_wal_lsn()::text")
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        caught_up = await standby.fetchval(f"SELECT pg_last_wal_replay_lsn() >= '{target}'::pg_lsn")
        if caught_up:
            return
        await asyncio.sleep(0.1)
    raise TimeoutError(f"the standby did not replay up to {target} in {timeout_s} s")


@dataclass
class PgBouncer:
    """``pgbouncer`` in transaction mode on a free port, in front of ``host``:``port`` for every database."""

    binary: str
    upstream_port: int = 5432
    workdir: Path = field(default_factory=lambda: _own_dir("zdrav-pgbouncer-"))
    port: int = field(default_factory=free_port)
    pool_size: int = 4
    """Server connections per database and user. Few by default, for the tests: consecutive transactions
    of one client then land on different servers, which is what the services must survive."""
    process: subprocess.Popen[bytes] | None = None

    def url(self, database: str) -> str:
        return f"postgresql+asyncpg://{POSTGRES_USER}@127.0.0.1:{self.port}/{database}"

    def start(self) -> None:
        config = self.workdir / "pgbouncer.ini"
        users = self.workdir / "userlist.txt"
        # trust: the test server trusts 127.0.0.1 too; a user must still be listed in auth_file.
        users.write_text(f'"{POSTGRES_USER}" ""\n')
        config.write_text(
            "\n".join(
                [
                    "[databases]",
                    f"* = host=127.0.0.1 port={self.upstream_port}",
                    "[pgbouncer]",
                    "listen_addr = 127.0.0.1",
                    f"listen_port = {self.port}",
                    "unix_socket_dir =",
                    "auth_type = trust",
                    f"auth_file = {users}",
                    "pool_mode = transaction",
                    f"default_pool_size = {self.pool_size}",
                    "max_client_conn = 400",
                    f"admin_users = {POSTGRES_USER}",
                    "",
                ]
            )
        )
        if os.geteuid() == 0:
            user = pwd.getpwnam(POSTGRES_USER)
            for path in (config, users):
                os.chown(path, user.pw_uid, user.pw_gid)
        argv = [self.binary, str(config)] + (["-u", POSTGRES_USER] if os.geteuid() == 0 else [])
        log = (self.workdir / "pgbouncer.log").open("ab")
        self.process = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"pgbouncer exited: {(self.workdir / 'pgbouncer.log').read_text()[-2000:]}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return
            except OSError:
                time.sleep(0.1)
        raise TimeoutError("pgbouncer did not listen in 15 s")

    def show(self, what: str) -> list[dict[str, str]]:
        """``SHOW <what>`` on PgBouncer's admin console, through psql (the console speaks only the
        simple query protocol)."""
        psql = shutil.which("psql") or str((postgres_bin_dir() or Path("/usr/bin")) / "psql")
        done = subprocess.run(
            [psql, "-h", "127.0.0.1", "-p", str(self.port), "-U", POSTGRES_USER, "-d", "pgbouncer", "--csv",
             "-c", f"SHOW {what}"],
            capture_output=True, text=True, timeout=10, check=True,
        )  # fmt: skip
        return list(csv.DictReader(io.StringIO(done.stdout)))

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
        shutil.rmtree(self.workdir, ignore_errors=True)
