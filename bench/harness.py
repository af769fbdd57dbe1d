"""The benchmark harness: a registry of benchmark functions, a run context that owns throwaway
PostgreSQL databases and server processes (and cleans both up), and the figures they report.

A benchmark is a function ``def name(run: Run) -> list[Figure]`` decorated with :func:`benchmark`;
modules that define benchmarks are listed in ``bench.__main__.MODULES``. Every figure carries a raw
baseline measured in the same run, on the same machine, and the ratio between the two.
"""

from __future__ import annotations

import asyncio
import ctypes
import importlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import asyncpg

ROOT = Path(__file__).resolve().parents[1]
ADMIN_URL = os.environ.get("TEST_DATABASE_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres")


def quick() -> bool:
    """``BENCH_QUICK=1``: small sizes, a smoke run of every benchmark in a few minutes."""
    return os.environ.get("BENCH_QUICK", "") not in ("", "0")


SCALES = ("quick", "default", "national")


def scale() -> str:
    """Which sizes the growth curves run at: ``BENCH_SCALE=national`` for the national volume (a year of
    the whole country: 10^7 survey responses, ~12 M indicator values; manual, on a quiet machine, not in
    CI), ``quick`` under ``BENCH_QUICK=1``, else ``default`` (the same curves a tenth or less of the size)."""
    if quick():
        return "quick"
    chosen = os.environ.get("BENCH_SCALE", "default").strip().lower() or "default"
    if chosen not in SCALES[1:]:
        raise SystemExit(f"BENCH_SCALE={chosen!r}: choose default or national (BENCH_QUICK=1 for a smoke run)")
    return chosen


def _die_with_parent() -> None:
    """In the child before exec: SIGTERM it when the benchmark process dies, however it dies.

    A killed or crashed benchmark otherwise leaves its servers running, each holding up to ~40
    PostgreSQL connections, until the server's ``max_connections`` is used up. Linux only; elsewhere
    the servers are still stopped by :meth:`Run.close` on a normal exit."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    except (OSError, AttributeError):  # pragma: no cover - not Linux
        pass


PR_SET_PDEATHSIG = 1


@dataclass
class Figure:
    name: str
    value: float
    unit: str
    baseline: float | None
    ratio: float | None
    goal: str
    met: bool | None
    """None: reported, no goal."""

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


Benchmark = Callable[["Run"], list[Figure]]
REGISTRY: dict[str, Benchmark] = {}


def benchmark(function: Benchmark) -> Benchmark:
    """Register a benchmark function under its module-qualified name."""
    REGISTRY[f"{function.__module__.rsplit('.', 1)[-1]}.{function.__name__}"] = function
    return function


def ratio(value: float, baseline: float | None) -> float | None:
    return round(value / baseline, 3) if baseline else None


def growth(name: str, points: list[tuple[int, float, float]], unit: str, goal: str, limit: float | None) -> Figure:
    """A curve's growth factor from its smallest to its largest point: the endpoint's (value) beside the
    hand-written SQL's (baseline), from ``points`` of (size, endpoint, baseline). ``limit``: the most the
    endpoint may grow for the goal to be met (None: reported only)."""
    (small, value_0, base_0), (large, value_1, base_1) = points[0], points[-1]
    value, baseline = round(value_1 / value_0, 2), round(base_1 / base_0, 2)
    return Figure(
        f"{name}, {small:,} → {large:,} {unit} (× {large / small:,.0f})",
        value,
        "×",
        baseline,
        ratio(value, baseline),
        goal,
        None if limit is None else value <= limit,
    )


async def table_bytes(db: str, tables: tuple[str, ...]) -> dict[str, int]:
    """``pg_total_relation_size`` (table, its partitions, indexes and TOAST) of each of ``tables``."""
    conn = await asyncpg.connect(db)
    try:
        found = {}
        for table in tables:
            # A partitioned table's own size is 0: add its partitions' (pg_partition_tree, PostgreSQL ≥ 12,
            # which lists nothing for a plain table).
            found[table] = int(
                await conn.fetchval(
                    "SELECT coalesce((SELECT sum(pg_total_relation_size(relid)) FROM pg_partition_tree($1::regclass)),"
                    " pg_total_relation_size($1::regclass))",
                    table,
                )
            )
        return found
    finally:
        await conn.close()


def size_figure(prefix: str, tables: dict[str, int], rows: int, what: str) -> Figure:
    """What ``rows`` rows take on disk (tables, partitions, indexes), with bytes per row in the name."""
    total = sum(tables.values())
    detail = ", ".join(f"{name} {size / 1e6:,.0f} MB" for name, size in tables.items())
    return Figure(
        f"{prefix}: database size at {rows:,} {what} ({detail}; {total / rows:,.0f} bytes per {what[:-1]})",
        round(total / 1e6, 1),
        "MB",
        None,
        None,
        "reported (for sizing, docs/scaling.md)",
        None,
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def dsn(url: str) -> str:
    """A SQLAlchemy ``postgresql+asyncpg://`` URL as a plain libpq DSN for asyncpg."""
    return url.replace("postgresql+asyncpg://", "postgresql://", 1)


def vm_hwm_mb(pid: int) -> float:
    """Peak resident set size (VmHWM) of a process, in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmHWM for pid {pid}")


_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time the processes have used so far."""
    total = 0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of proc(5))
    return total / _TICKS


def box_busy_seconds() -> tuple[float, float]:
    """CPU time of the whole machine so far: (busy, busy + idle), summed over its cores."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:8]]
    idle = values[3] + values[4]  # idle, iowait
    return (sum(values) - idle) / _TICKS, sum(values) / _TICKS


def children_of(pid: int) -> list[int]:
    found = []
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            text = status.read_text()
        except OSError:
            continue
        for line in text.splitlines():
            if line.startswith("PPid:") and int(line.split()[1]) == pid:
                found.append(int(status.parent.name))
    return found


@dataclass
class Server:
    """A uvicorn server in its own process."""

    name: str
    argv: list[str]
    env: dict[str, str]
    port: int
    log_path: Path
    ready_path: str = "/readyz"
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def start(self, timeout_s: float = 60.0) -> Server:
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            self.argv, env=self.env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, preexec_fn=_die_with_parent
        )
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited: {self.log_path.read_text()[-3000:]}")
            try:
                with urllib.request.urlopen(self.url + self.ready_path, timeout=2) as response:
                    if response.status == 200:
                        return self
            except OSError:
                pass
            time.sleep(0.2)
        raise TimeoutError(f"{self.name} not ready after {timeout_s} s: {self.log_path.read_text()[-3000:]}")

    def worker_pids(self) -> list[int]:
        """The processes serving requests: uvicorn's children with --workers > 1, else itself."""
        return children_of(self.pid) or [self.pid]

    def peak_rss_mb(self) -> float:
        return max(vm_hwm_mb(pid) for pid in self.worker_pids())

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=5)


@dataclass
class Run:
    """One `make bench` run: its work directory, databases and processes, dropped and stopped at the end."""

    workdir: Path
    quick: bool = field(default_factory=quick)
    scale: str = field(default_factory=scale)
    suffix: str = field(default_factory=lambda: uuid.uuid4().hex[:8])
    databases: list[str] = field(default_factory=list)
    servers: list[Server] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    """Sentences for docs/benchmarks.md: sizes, conditions, anything a reader needs beside the table."""
    _pgbouncers: list[Any] = field(default_factory=list)

    def size(self, full: int, small: int) -> int:
        return small if self.quick else full

    def sizes(self, *, quick: tuple[int, ...], default: tuple[int, ...], national: tuple[int, ...]) -> tuple[int, ...]:
        """The points of a growth curve at this run's scale (smallest first)."""
        return {"quick": quick, "default": default, "national": national}[self.scale]

    def log(self, message: str) -> None:
        print(f"· {message}", flush=True)

    # Databases -------------------------------------------------------------------------------------

    def database(self, service: str, migrations_package: str | None = None) -> str:
        """A fresh database for ``service`` (migrated by the service's own Alembic scripts when
        ``migrations_package`` names its app module); returns its SQLAlchemy async URL."""
        from sqlalchemy.engine import make_url

        from zdrav_shared.migrations import upgrade

        name = f"zdrav_bench_{service.replace('-', '_')}_{self.suffix}"
        if name in self.databases:  # a second benchmark of the run wants its own database of this service
            name += f"_{sum(1 for d in self.databases if d.startswith(name))}"
        asyncio.run(_admin(f'CREATE DATABASE "{name}"'))
        self.databases.append(name)
        url = make_url(ADMIN_URL).set(database=name).render_as_string(hide_password=False)
        if migrations_package:
            upgrade(url, importlib.import_module(migrations_package).MIGRATIONS_DIR)
        return url

    def drop_database(self, url: str) -> None:
        """Drop a database of this run before the run ends (a curve's finished point frees its disk)."""
        from sqlalchemy.engine import make_url

        name = make_url(url).database
        asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        self.databases.remove(str(name))

    # Processes -------------------------------------------------------------------------------------

    def stop(self, server: Server) -> None:
        """Stop a server of this run before the run ends."""
        server.stop()
        self.servers.remove(server)

    def uvicorn(self, name: str, app: str, env: dict[str, str], *, workers: int = 1, factory: bool = True) -> Server:
        """Start ``app`` under uvicorn in its own process and wait until it is ready."""
        port = free_port()
        argv = [sys.executable, "-m", "uvicorn", app, "--host", "127.0.0.1", "--port", str(port), "--no-access-log"]
        if factory:
            argv.append("--factory")
        argv += ["--workers", str(workers)]
        server = Server(name, argv, {**os.environ, **env}, port, self.workdir / f"{name}-{workers}w.log")
        self.servers.append(server)
        return server.start()

    def loadgen(self, spec: dict[str, Any]) -> dict[str, Any]:
        """Run the httpx load generator (``bench.loadgen``) in its own process; its JSON answer."""
        path = self.workdir / f"loadgen-{uuid.uuid4().hex[:6]}.json"
        path.write_text(json.dumps(spec))
        done = subprocess.run(
            [sys.executable, "-m", "bench.loadgen", str(path)], cwd=ROOT, capture_output=True, text=True, check=False
        )
        path.unlink()
        if done.returncode != 0:
            raise RuntimeError(f"loadgen failed: {done.stderr[-3000:]}")
        return dict(json.loads(done.stdout.strip().splitlines()[-1]))

    def pgbouncer(self, pool_size: int = 20) -> Any:
        """PgBouncer (the Debian package, which `make bench` installs) in transaction mode on a free port
        in front of the benchmark's PostgreSQL; stopped at the end of the run. Its ``url(database)``."""
        sys.path.insert(0, str(ROOT / "tests" / "e2e"))  # the end-to-end tests' PgBouncer helper
        from pgcluster import PgBouncer  # type: ignore[import-not-found]
        from sqlalchemy.engine import make_url

        binary = shutil.which("pgbouncer") or "/usr/sbin/pgbouncer"
        bouncer = PgBouncer(binary, upstream_port=make_url(ADMIN_URL).port or 5432, pool_size=pool_size)
        bouncer.start()
        self._pgbouncers.append(bouncer)
        return bouncer

    def close(self) -> None:
        for server in reversed(self.servers):
            server.stop()
        for bouncer in self._pgbouncers:
            bouncer.stop()
        for name in self.databases:
            try:
                asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            except Exception as exc:  # keep cleaning up the others
                print(f"! could not drop {name}: {exc}", file=sys.stderr)


async def _admin(sql: str) -> None:
    conn = await asyncpg.connect(dsn(ADMIN_URL))
    try:
        await conn.execute(sql)
    finally:
        await conn.close()
