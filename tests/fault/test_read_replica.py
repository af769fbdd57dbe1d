"""Fault test: the read-heavy calls on a real streaming replica, through its lag and through the loss
of the replica and of the primary.

A primary of the test's own (initdb on a free port) and a standby made from it with
``pg_basebackup -R`` (``tests/e2e/pgcluster.py``); the three services run on the primary, kpi-api and
survey-api with ``<P>_READ_DATABASE_URL`` on the standby. In order:

1. reads come from the replica: with its replay paused, a value and responses written on the primary
   are not in the answers, and ``X-Data-As-Of`` is older than the writes;
2. a replica further behind than ``<P>_READ_DATABASE_MAX_LAG_S`` is passed over for the primary;
3. replay resumed, the answers catch up;
4. the replica stopped: reads go to the primary at once (no hang), ``/readyz`` stays ready;
5. the primary stopped (a crash) with the replica back: reads go on from the replica with their data's
   age, and keep going once that age passes the lag limit; writes are 503 problems with Retry-After;
   ``/readyz`` says ``read_only``;
6. the primary back: writes succeed again without a restart of any service.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from pgcluster import LocalCluster, postgres_bin_dir, wait_replayed
from stack import Stack

from zdrav_shared.periods import Period, PeriodType
from zdrav_shared.problems import PROBLEM_JSON
from zdrav_shared.testing import auth

pytestmark = pytest.mark.fault

MAX_LAG_S = 10.0
"""Long enough for step 1's writes and reads on a busy CI machine; steps 2 and 5 wait it out."""
RETRY_S = 1.0
FEDERAL = auth(["federal"], ["RU"])
OPERATOR = auth(["mo_operator"], ["RU-KYA"], sub="kya-operator")
TODAY = date.today()
PERIOD = Period.containing(TODAY, PeriodType.QUARTER).code
FAST_S = 3.0
"""A read while a database is down must not wait for a connect timeout (5 s)."""


def ok(response: httpx.Response, *statuses: int) -> dict[str, Any]:
    assert response.status_code in (statuses or (200,)), f"{response.request.url}: {response.text}"
    return dict(response.json())


def as_of(response: httpx.Response) -> datetime:
    return datetime.fromisoformat(response.headers["x-data-as-of"].replace("Z", "+00:00"))


def answers(q1: str) -> dict[str, Any]:
    return {"q1_process": q1, "q2_documents": "yes", "q3_duration": "yes", "q4_simplicity": "yes",
            "q5_support": "yes", "nps": 9}  # fmt: skip


@pytest.fixture(scope="module")
def cluster() -> Iterator[LocalCluster]:
    bin_dir = postgres_bin_dir()
    if bin_dir is None:
        pytest.fail("PostgreSQL server binaries (initdb, pg_basebackup) not found: set ZDRAV_PG_BINDIR")
    running = LocalCluster(bin_dir)
    try:
        running.create_primary()
        yield running
    finally:
        running.close()


@pytest.fixture(scope="module")
def stack(cluster: LocalCluster, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    assert cluster.primary is not None
    running = Stack(Path(tmp_path_factory.mktemp("replica-stack")), admin_url=cluster.primary.url())
    running.create()
    standby = cluster.add_standby()  # after the databases exist: the base backup copies them
    running.read_url = standby.url
    running.extra_env.update(
        {
            "KPI_SOURCE_REFRESH_INTERVAL_S": "0",
            "KPI_REPORT_PEER_BUDGET_S": "2",
            **{f"{p}_READ_DATABASE_MAX_LAG_S": str(MAX_LAG_S) for p in ("KPI", "SURVEY")},
            **{f"{p}_READ_DATABASE_RETRY_S": str(RETRY_S) for p in ("KPI", "SURVEY")},
        }
    )
    running.read_keys = ("kpi", "survey")  # roadmap-api has no read-heavy call: no replica for it
    try:
        running.start()
        yield running
    finally:
        running.stop()


class Scenario:
    """An indicator with one organisation's value, and a kiosk campaign with its responses."""

    def __init__(self, stack: Stack) -> None:
        self.kpi = stack.services["kpi"].url
        self.survey = stack.services["survey"].url
        self.http = httpx.Client(timeout=20)

    def setup(self) -> None:
        http, kpi, survey = self.http, self.kpi, self.survey
        for unit in (
            {"code": "RU", "name_ru": "Российская Федерация", "level": "federation"},
            {"code": "RU-KYA", "name_ru": "Красноярский край", "level": "region", "parent_code": "RU",
             "timezone": "Asia/Krasnoyarsk"},
            {"code": "KYA-GP4", "name_ru": "Поликлиника № 4", "level": "organisation", "parent_code": "RU-KYA"},
            {"code": "KYA-GP5", "name_ru": "Поликлиника № 5", "level": "organisation", "parent_code": "RU-KYA"},
            {"code": "KYA-GP6", "name_ru": "Поликлиника № 6", "level": "organisation", "parent_code": "RU-KYA"},
        ):  # fmt: skip
            ok(http.post(f"{kpi}/v1/org-units", json=unit, headers=FEDERAL), 201)
        indicator = {"code": "R_VISITS", "name_ru": "Посещения", "unit": "чел.", "kind": "input",
                     "aggregation": "sum", "direction": "higher_is_better", "periodicity": "quarter"}  # fmt: skip
        ok(http.post(f"{kpi}/v1/indicators", json=indicator, headers=FEDERAL), 201)
        assert self.created(self.value("KYA-GP4", 1200))
        campaign = {"code": "replica", "questionnaire_code": "nsi-standard", "org_unit_codes": ["KYA-GP4"],
                    "starts_on": str(TODAY - timedelta(days=120)), "ends_on": str(TODAY + timedelta(days=120)),
                    "channels": ["kiosk"]}  # fmt: skip
        ok(http.post(f"{survey}/v1/campaigns", json=campaign, headers=FEDERAL), 201)
        kiosk = ok(
            http.post(
                f"{survey}/v1/kiosks",
                json={"campaign_code": "replica", "org_unit_code": "KYA-GP4", "name": "Холл"},
                headers=FEDERAL,
            ),
            201,
        )
        self.kiosk = {"Authorization": f"Bearer {kiosk['token']}"}
        self.batch(10)

    def value(self, unit: str, value: int) -> httpx.Response:
        item = {"indicator_code": "R_VISITS", "org_unit_code": unit, "period": PERIOD, "value": value}
        return self.http.post(f"{self.kpi}/v1/values", json={"items": [item], "submit": True}, headers=OPERATOR)

    @staticmethod
    def created(response: httpx.Response) -> bool:
        return response.status_code == 200 and response.json()["results"][0]["status"] == "created"

    def batch(self, count: int) -> httpx.Response:
        submitted = (datetime.now(UTC) - timedelta(minutes=1)).isoformat()
        items = [{"id": str(uuid.uuid4()), "submitted_at": submitted, "answers": answers("yes")} for _ in range(count)]
        response = self.http.post(f"{self.survey}/v1/responses/batch", json={"responses": items}, headers=self.kiosk)
        if response.status_code == 200:
            assert {r["status"] for r in response.json()["results"]} == {"accepted"}
        return response

    def analytics(self) -> tuple[httpx.Response, float | None]:
        params = {"indicators": "R_VISITS", "org_units": "RU-KYA", "periods": PERIOD}
        response = self.http.get(f"{self.kpi}/v1/analytics", params=params, headers=FEDERAL)
        rows = ok(response)["rows"]
        return response, rows[0]["value"]

    def responses(self) -> tuple[httpx.Response, int]:
        params = {"campaign": "replica", "org_unit": "RU-KYA", "period": PERIOD}
        response = self.http.get(f"{self.survey}/v1/aggregates", params=params, headers=FEDERAL)
        body = ok(response)
        assert body["data_as_of"] is not None
        return response, sum(row["n"] for row in body["rows"])

    def ready(self, url: str) -> tuple[int, dict[str, Any]]:
        response = self.http.get(url + "/readyz")
        return response.status_code, response.json()


async def _until_not_streaming(standby: Any, timeout_s: float = 30) -> None:
    deadline = time.monotonic() + timeout_s
    while await standby.fetchval("SELECT count(*) FROM pg_stat_wal_receiver WHERE status = 'streaming'"):
        assert time.monotonic() < deadline, "the standby still streams from a stopped primary"
        await asyncio.sleep(0.05)


def test_reads_on_a_streaming_replica_through_lag_and_outages(cluster: LocalCluster, stack: Stack) -> None:
    primary, standby = cluster.primary, cluster.standby
    assert primary is not None and standby is not None
    scenario = Scenario(stack)
    scenario.setup()
    kpi_db, survey_db = stack.services["kpi"].database, stack.services["survey"].database

    # 1. Reads come from the replica: pause its replay, write on the primary, read the old figures.
    asyncio.run(primary.fetchval("CREATE TABLE IF NOT EXISTS heartbeat (at timestamptz)", kpi_db))
    asyncio.run(primary.fetchval("INSERT INTO heartbeat VALUES (now())", kpi_db))
    asyncio.run(wait_replayed(primary, standby))
    assert scenario.analytics()[1] == 1200 and scenario.responses()[1] == 10
    asyncio.run(standby.fetchval("SELECT pg_wal_replay_pause()"))
    paused_at = datetime.now(UTC)
    assert scenario.created(scenario.value("KYA-GP5", 300))
    assert scenario.batch(5).status_code == 200
    response, value = scenario.analytics()
    assert value == 1200, "the read came from the paused replica"
    assert as_of(response) <= paused_at, "X-Data-As-Of shows the replica's replay point"
    assert datetime.fromisoformat(response.json()["data_as_of"].replace("Z", "+00:00")) <= paused_at
    response, n = scenario.responses()
    assert n == 10 and as_of(response) <= paused_at
    # The replica's sessions really are on the standby.
    connected = asyncio.run(
        standby.fetchval(
            "SELECT count(DISTINCT datname) FROM pg_stat_activity "
            f"WHERE datname IN ('{kpi_db}', '{survey_db}') AND backend_type = 'client backend'"
        )
    )
    assert connected == 2

    # 2. Past the lag limit the primary answers instead.
    time.sleep(max(0.0, MAX_LAG_S + 1 - (datetime.now(UTC) - paused_at).total_seconds()))
    response, value = scenario.analytics()
    assert value == 1500 and as_of(response) > paused_at
    assert scenario.responses()[1] == 15

    # 3. Replay resumed: the replica has caught up.
    asyncio.run(standby.fetchval("SELECT pg_wal_replay_resume()"))
    asyncio.run(wait_replayed(primary, standby))
    assert scenario.analytics()[1] == 1500 and scenario.responses()[1] == 15

    # 4. The replica stopped: reads on the primary at once, still ready.
    standby.stop("fast")
    for _ in range(3):
        started = time.monotonic()
        assert scenario.analytics()[1] == 1500 and scenario.responses()[1] == 15
        assert time.monotonic() - started < FAST_S
    for url in (scenario.kpi, scenario.survey):
        status, body = scenario.ready(url)
        assert status == 200 and body["status"] == "ready" and body["read_database"] is False

    # 5. The replica back, the primary crashed: reads go on, writes are refused with a 503.
    standby.start()
    asyncio.run(wait_replayed(primary, standby))
    time.sleep(RETRY_S + 0.2)  # past the window in which the services leave the replica alone
    primary.stop("immediate")
    stopped_at = datetime.now(UTC)
    # The standby notices at once (its connection is closed); wait until its receiver says so, so that
    # what is asserted below does not race the receiver's exit.
    asyncio.run(_until_not_streaming(standby))
    for _ in range(2):
        response, value = scenario.analytics()
        assert value == 1500 and as_of(response) <= stopped_at
        response, n = scenario.responses()
        assert n == 15 and as_of(response) <= stopped_at
        time.sleep(MAX_LAG_S + 0.5)  # the second round: the replica's data is now older than the lag limit
    report = ok(scenario.http.get(f"{scenario.kpi}/v1/reports/quarterly", params={"period": PERIOD}, headers=FEDERAL))
    region = next(r for r in report["regions"] if r["region_code"] == "RU-KYA")
    visits = next(i for i in region["indicators"] if i["indicator_code"] == "R_VISITS")
    assert report["data_as_of"] is not None and visits is not None
    for write in (scenario.value("KYA-GP6", 100), scenario.batch(3)):
        assert write.status_code == 503, write.text
        assert write.headers["content-type"] == PROBLEM_JSON and write.headers.get("retry-after")
    for url in (scenario.kpi, scenario.survey):
        status, body = scenario.ready(url)
        assert status == 200 and body["status"] == "read_only", body
        assert body["database"] is False and body["read_database"] is True
    assert scenario.ready(stack.services["roadmap"].url)[0] == 503, "without a replica, not ready"

    # 6. The primary back: writes succeed again by themselves.
    primary.start()
    deadline = time.monotonic() + 20
    while not scenario.created(scenario.value("KYA-GP6", 100)):
        assert time.monotonic() < deadline, "writes did not recover within 20 s"
        time.sleep(0.5)
    assert scenario.batch(3).status_code == 200
    asyncio.run(wait_replayed(primary, standby))
    assert scenario.analytics()[1] == 1600 and scenario.responses()[1] == 18
