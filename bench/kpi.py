"""kpi-api benchmarks: region-level analytics for one quarter against a hand-written SQL aggregate, and
the federal quarterly report (with survey-api and roadmap-api running), as growth curves over the value
volume; peak memory at the largest point.

The national shape (issue 18): 85 regions × ~300 organisations × ~40 indicators × 12 months ≈ 12 M values
a year. Each point of the curve is a federation of that shape with fewer organisations per region — 3,
30 and 300 at ``BENCH_SCALE=national`` (1 %, 10 % and 100 % of the national volume) — in databases of
its own: REGIONS regions × the point's organisations (under municipalities) × INPUTS monthly input
indicators × 12 months of values, plus three formula indicators over them (a ratio of sums
``A / B * 100``, a rate per 1000 and a growth rate with ``prev()``) and a target for every indicator,
region and the measured quarter. Org units and values are written with COPY straight into kpi-api's own
tables (as its API would store them); indicators and targets go through the API.

Analytics keeps its aggregates between requests (kpi_api.aggregate_cache), so each read figure is given
three ways: warm (the median of repeated reads, every figure from the cache), the first read after the
load (every figure computed from the values), and — for the federal report, the figure with the goal
that matters while regions are still correcting — the report read right after one region reopened a
value of every indicator (that region's figures computed again, the others' from the cache).

``BENCH_KPI_ORGANISATIONS=3 python -m bench kpi`` runs only the 1 % point (3 organisations per region).
"""

from __future__ import annotations

import asyncio
import os
import random
import statistics
import time
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import asyncpg
import httpx

from bench.harness import Figure, Run, Server, benchmark, dsn, growth, ratio, size_figure, table_bytes
from zdrav_shared.testing import TEST_JWT_SECRET, token

FEDERAL = {"Authorization": f"Bearer {token(['federal'], ['RU'], sub='bench', ttl_s=6 * 3600)}"}
YEAR = 2025
MONTHS = [f"{YEAR}-{m:02d}" for m in range(1, 13)]
PERIOD = f"{YEAR}Q2"
MUNICIPALITIES = 4
PRECISION = 1
INPUTS = 40
"""30 summed (head counts, visits), 8 averaged (waiting days), 2 maxima."""
ORGANISATIONS = {"quick": (1, 2, 4), "default": (1, 3, 30), "national": (3, 30, 300)}
"""Organisations per region at each point of the curve."""
POINTS_ENV = "BENCH_KPI_ORGANISATIONS"
"""Comma-separated organisations per region to run instead of the scale's points (``3``: only the 1 %
point, the one to measure while working on the endpoint's CPU per row; a curve of one point has no
growth figures)."""
REGIONS = {"quick": 8, "default": 85, "national": 85}
NATIONAL_VALUES = 85 * 300 * INPUTS * len(MONTHS)


def _inputs(count: int) -> list[dict[str, Any]]:
    """Input indicators: mostly counts (summed), some averages (waiting days, lower is better), two maxima."""
    found = []
    for i in range(1, count + 1):
        code = f"I{i:02d}"
        if i <= count - 8:
            agg, direction, unit = "sum", "higher_is_better", "persons"
        elif i <= count - 2:
            agg, direction, unit = "average", "lower_is_better", "days"
        else:
            agg, direction, unit = "max", "lower_is_better", "days"
        found.append(
            {
                "code": code,
                "name_ru": f"Показатель {i}",
                "unit": unit,
                "kind": "input",
                "aggregation": agg,
                "time_aggregation": agg,
                "direction": direction,
                "periodicity": "month",
                "precision": PRECISION,
            }
        )
    return found


FORMULAS = [
    {"code": "F_RATIO", "formula": "I01 / I02 * 100", "unit": "%"},
    {"code": "F_PER_1000", "formula": "I03 * 1000 / I04", "unit": "per 1000"},
    {"code": "F_GROWTH", "formula": "(I05 - prev(I05)) * 100 / prev(I05)", "unit": "%"},
]


def _formula_bodies() -> list[dict[str, Any]]:
    return [
        {
            **f,
            "name_ru": f"Формула {f['code']}",
            "kind": "formula",
            "direction": "higher_is_better",
            "periodicity": "month",
            "precision": PRECISION,
        }
        for f in FORMULAS
    ]


def _checked(response: httpx.Response, *codes: int) -> httpx.Response:
    """The response, whole (httpx has read its body), if its status is one of ``codes``."""
    if response.status_code not in (codes or (200, 201)):
        raise RuntimeError(
            f"{response.request.method} {response.request.url} → {response.status_code}: {response.text[:2000]}"
        )
    return response


def _ok(response: httpx.Response, *codes: int) -> Any:
    _checked(response, *codes)
    return response.json() if "json" in response.headers.get("content-type", "") else None


# Loading --------------------------------------------------------------------------------------------


def _region_codes(regions: int) -> list[str]:
    return [f"RU-R{r:02d}" for r in range(1, regions + 1)]


async def _load_org_units(db: str, regions: int, organisations: int) -> dict[str, int]:
    """The federation, its regions, municipalities and organisations, with explicit ids; {code: id}."""
    now = datetime.now(UTC)
    rows: list[tuple[Any, ...]] = []
    ids: dict[str, int] = {}

    def add(code: str, name: str, level: str, parent: str | None, path: str, kind: str | None, tz: str | None) -> None:
        ids[code] = len(ids) + 1
        rows.append(
            (ids[code], code, name, level, ids[parent] if parent else None, kind, False, tz, path, True, 1, now, now)
        )

    add("RU", "Российская Федерация", "federation", None, "/RU/", None, None)
    municipalities = min(MUNICIPALITIES, organisations)
    for region in _region_codes(regions):
        add(region, f"Регион {region}", "region", "RU", f"/RU/{region}/", None, "Europe/Moscow")
        for m in range(1, municipalities + 1):
            municipality = f"{region[3:]}-M{m}"
            add(municipality, f"Район {municipality}", "municipality", region, f"/RU/{region}/{municipality}/", None,
                None)  # fmt: skip
        for o in range(organisations):  # spread over the municipalities, `organisations` in all
            municipality = f"{region[3:]}-M{o % municipalities + 1}"
            org = f"{municipality}-O{o // municipalities + 1}"
            path = f"/RU/{region}/{municipality}/{org}/"
            add(org, f"Поликлиника {org}", "organisation", municipality, path, "adult_polyclinic", None)
    columns = ["id", "code", "name_ru", "level", "parent_id", "kind", "rural", "timezone", "path", "active",
               "version", "created_at", "updated_at"]  # fmt: skip
    conn = await asyncpg.connect(db)
    try:
        await conn.copy_records_to_table("org_units", records=rows, columns=columns)
        await conn.execute("SELECT setval(pg_get_serial_sequence('org_units', 'id'), (SELECT max(id) FROM org_units))")
    finally:
        await conn.close()
    return ids


def _value(rng: random.Random, indicator: dict[str, Any]) -> Decimal:
    if indicator["aggregation"] == "sum":
        return Decimal(rng.randint(100, 5000))
    return Decimal(rng.randint(100, 6000)) / 100


async def _load_values(db: str, inputs: list[dict[str, Any]], org_ids: list[int]) -> tuple[int, float]:
    """COPY one value per input indicator × organisation × month; VACUUM ANALYZE. (rows, seconds)"""
    conn = await asyncpg.connect(db)
    started = time.perf_counter()
    try:
        indicator_ids = {r["code"]: r["id"] for r in await conn.fetch("SELECT code, id FROM indicators")}
        rng = random.Random(2025)
        now = datetime.now(UTC)
        columns = ["indicator_id", "org_unit_id", "period", "period_type", "year", "end_month", "value", "status",
                   "outlier", "submitted_at", "late", "approved_at", "approved_by", "updated_by", "version",
                   "created_at", "updated_at"]  # fmt: skip
        total = 0
        for indicator in inputs:  # one COPY per indicator keeps memory flat
            rows = [
                (indicator_ids[indicator["code"]], org, month, "month", YEAR, int(month[-2:]),
                 _value(rng, indicator), "approved", False, now, False, now, "bench", "bench", 1, now, now)
                for org in org_ids
                for month in MONTHS
            ]  # fmt: skip
            await conn.copy_records_to_table("indicator_values", records=rows, columns=columns)
            total += len(rows)
        await conn.execute("VACUUM ANALYZE")
    finally:
        await conn.close()
    return total, time.perf_counter() - started


def _setup_catalogue(kpi: Server, inputs: list[dict[str, Any]], regions: list[str]) -> None:
    """Indicators (inputs and formulas) and their targets per region, through the API."""
    rng = random.Random(7)
    with httpx.Client(base_url=kpi.url, headers=FEDERAL, timeout=120) as client:
        for body in [*inputs, *_formula_bodies()]:
            _ok(client.post("/v1/indicators", json=body), 201)
        for body in [*inputs, *_formula_bodies()]:
            items = [
                {"org_unit_code": r, "period": PERIOD, "baseline": rng.randint(10, 90), "target": rng.randint(10, 90)}
                for r in regions
            ]
            _ok(client.put(f"/v1/indicators/{body['code']}/targets", json={"items": items}))


# The hand-written baseline --------------------------------------------------------------------------

BASELINE_SQL = f"""
WITH flat AS (
    -- sums of sums and maxima of maxima: one aggregate over the months and the organisations at once
    SELECT i.code, split_part(o.path, '/', 3) AS region, v.end_month > 3 AS current,
           CASE i.aggregation WHEN 'sum' THEN sum(v.value) WHEN 'max' THEN max(v.value) END AS value
    FROM indicator_values v
    JOIN org_units o ON o.id = v.org_unit_id
    JOIN indicators i ON i.id = v.indicator_id
    WHERE v.year = {YEAR} AND i.aggregation IN ('sum', 'max')
      AND (v.end_month BETWEEN 4 AND 6 OR (i.code = 'I05' AND v.end_month BETWEEN 1 AND 3))
    GROUP BY i.code, i.aggregation, region, current
), per_organisation AS (
    -- averages: over the quarter's months per organisation first, then over the organisations
    SELECT v.indicator_id, v.org_unit_id, avg(v.value) AS value
    FROM indicator_values v
    JOIN indicators i ON i.id = v.indicator_id
    WHERE v.year = {YEAR} AND v.end_month BETWEEN 4 AND 6 AND i.aggregation = 'average'
    GROUP BY v.indicator_id, v.org_unit_id
), agg AS (
    SELECT code, region, current, value FROM flat
    UNION ALL
    SELECT i.code, split_part(o.path, '/', 3), true, avg(p.value)
    FROM per_organisation p
    JOIN org_units o ON o.id = p.org_unit_id
    JOIN indicators i ON i.id = p.indicator_id
    GROUP BY i.code, split_part(o.path, '/', 3)
), inputs AS (
    SELECT region,
           max(value) FILTER (WHERE code = 'I01' AND current) AS i01,
           max(value) FILTER (WHERE code = 'I02' AND current) AS i02,
           max(value) FILTER (WHERE code = 'I03' AND current) AS i03,
           max(value) FILTER (WHERE code = 'I04' AND current) AS i04,
           max(value) FILTER (WHERE code = 'I05' AND current) AS i05,
           max(value) FILTER (WHERE code = 'I05' AND NOT current) AS p05
    FROM agg GROUP BY region
), answer AS (
    SELECT code, region, value FROM agg WHERE current
    UNION ALL SELECT 'F_RATIO', region, i01 / NULLIF(i02, 0) * 100 FROM inputs
    UNION ALL SELECT 'F_PER_1000', region, i03 * 1000 / NULLIF(i04, 0) FROM inputs
    UNION ALL SELECT 'F_GROWTH', region, (i05 - p05) * 100 / NULLIF(p05, 0) FROM inputs
)
SELECT a.code, a.region, a.value, t.target
FROM answer a
JOIN indicators i ON i.code = a.code
JOIN org_units r ON r.code = a.region
LEFT JOIN targets t ON t.indicator_id = i.id AND t.org_unit_id = r.id AND t.period = '{PERIOD}'
"""
"""The best hand-written statement for the answer: what can be aggregated in one pass is (sums of sums,
maxima of maxima — as the endpoint does), averages over time first and then over organisations."""


async def _analytics_and_baseline(
    url: str, db: str, params: dict[str, str], repeats: int
) -> tuple[float, Any, float, dict[tuple[str, str], Decimal | None], float]:
    """Median ms of ``GET /v1/analytics`` and of BASELINE_SQL, measured in alternation (one of each per
    round, after a CHECKPOINT and warm-up of both) so that neither side gets the quieter minute: on this
    2-core box a side measured alone in its own minute moved by up to 2× between runs. Also the ms of the
    very first call, which computes every figure from the values (the aggregate cache is empty after the
    load).

    Each side is timed until its whole answer has arrived: the API's body read by httpx, the SQL's rows
    by asyncpg. Parsing the API's JSON into Python objects is this client's own work, not the service's
    (2.2 MB at 1 % of national took Python's json ~10 ms, a tenth of the figure, where a browser's
    JSON.parse takes a few), so each answer is parsed after its timer stops."""
    conn = await asyncpg.connect(db)
    try:
        await conn.execute("CHECKPOINT")
        async with httpx.AsyncClient(base_url=url, headers=FEDERAL, timeout=120) as client:

            async def api() -> httpx.Response:
                return _checked(await client.get("/v1/analytics", params=params))

            started = time.perf_counter()
            response = await api()
            cold_ms = (time.perf_counter() - started) * 1000
            for _ in range(5):  # past the five runs after which PostgreSQL may switch to a generic plan
                response = await api()
            for _ in range(3):
                rows = await conn.fetch(BASELINE_SQL)
            api_ms, sql_ms = [], []
            for _ in range(repeats):
                started = time.perf_counter()
                response = await api()
                api_ms.append((time.perf_counter() - started) * 1000)
                started = time.perf_counter()
                await conn.fetch(BASELINE_SQL)
                sql_ms.append((time.perf_counter() - started) * 1000)
    finally:
        await conn.close()
    expected = {(r["code"], r["region"]): r["value"] for r in rows}
    return statistics.median(api_ms), response.json(), statistics.median(sql_ms), expected, cold_ms


def _timed_get(
    client: httpx.Client, path: str, params: dict[str, str], warm: int, repeats: int
) -> tuple[float, Any, float]:
    """Median ms of ``repeats`` GETs after ``warm`` ones, the answer, and the ms of the first GET. Timed
    until the body has arrived; parsed afterwards (see ``_analytics_and_baseline``)."""
    response = None
    first_ms = 0.0
    for _ in range(warm):  # past the five runs after which PostgreSQL may switch to a generic plan
        started = time.perf_counter()
        response = _checked(client.get(path, params=params))
        first_ms = first_ms or (time.perf_counter() - started) * 1000
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        response = _checked(client.get(path, params=params))
        times.append((time.perf_counter() - started) * 1000)
    assert response is not None
    return statistics.median(times), response.json(), first_ms


def _rounded(value: Decimal | None) -> Decimal | None:
    return None if value is None else value.quantize(Decimal(1).scaleb(-PRECISION), rounding=ROUND_HALF_UP)


def _compare(rows: list[dict[str, Any]], expected: dict[tuple[str, str], Decimal | None]) -> int:
    """Rows whose value differs from the hand-written SQL's (rounded the same way) by more than one unit
    of the last place (Python's and PostgreSQL's decimal division may round the last digit differently)."""
    step = Decimal(1).scaleb(-PRECISION)
    wrong = 0
    for row in rows:
        want = _rounded(expected.get((row["indicator_code"], row["org_unit_code"])))
        got = row["value"]
        if (got is None) != (want is None) or (
            got is not None and want is not None and abs(Decimal(str(got)) - want) > step
        ):
            wrong += 1
    return wrong


# The benchmark --------------------------------------------------------------------------------------


def _point(
    run: Run, regions_n: int, organisations: int, repeats: int, report_repeats: int, last: bool
) -> tuple[list[Figure], tuple[float, float], float]:
    """One point of the curve in databases of its own: (figures, (analytics ms, SQL ms), report ms)."""
    inputs = _inputs(INPUTS)
    regions = _region_codes(regions_n)
    kpi_url = run.database("kpi-api", "kpi_api.app")
    survey_url = run.database("survey-api", "survey_api.app")
    roadmap_url = run.database("roadmap-api", "roadmap_api.app")
    run.log(f"kpi: {regions_n} regions × {organisations} organisations × {INPUTS} indicators × {len(MONTHS)} months")
    ids = asyncio.run(_load_org_units(dsn(kpi_url), regions_n, organisations))
    org_ids = [i for code, i in ids.items() if "-O" in code]
    env = {
        "ZDRAV_JWT_SECRET": TEST_JWT_SECRET,
        "KPI_DATABASE_URL": kpi_url,
        "SURVEY_DATABASE_URL": survey_url,
        "ROADMAP_DATABASE_URL": roadmap_url,
        "KPI_SOURCE_REFRESH_INTERVAL_S": "0",
    }
    kpi = run.uvicorn("kpi-api", "kpi_api.app:create_app", env)
    env["ZDRAV_KPI_URL"] = kpi.url
    survey = run.uvicorn("survey-api", "survey_api.app:create_app", env)
    roadmap = run.uvicorn("roadmap-api", "roadmap_api.app:create_app", env)
    # kpi-api finds its peers through these; restart it with them (its own database is already loaded).
    run.stop(kpi)
    env.update({"ZDRAV_SURVEY_URL": survey.url, "ZDRAV_ROADMAP_URL": roadmap.url})
    kpi = run.uvicorn("kpi-api", "kpi_api.app:create_app", env)

    _setup_catalogue(kpi, inputs, regions)
    values, load_s = asyncio.run(_load_values(dsn(kpi_url), inputs, org_ids))
    share = f"{values / NATIONAL_VALUES * 100:.3g} % of national"
    run.log(f"  {values:,} values ({share}) loaded with COPY in {load_s:.1f} s")
    figures: list[Figure] = []
    if last:
        figures.append(
            size_figure("kpi", asyncio.run(table_bytes(dsn(kpi_url), ("indicator_values",))), values, "values")
        )

    # Region-level analytics for one quarter vs the hand-written aggregate.
    codes = [i["code"] for i in inputs] + [f["code"] for f in FORMULAS]
    params = {"indicators": ",".join(codes), "org_units": ",".join(regions), "periods": PERIOD}
    http_ms, answer, sql_ms, expected, cold_ms = asyncio.run(
        _analytics_and_baseline(kpi.url, dsn(kpi_url), params, repeats)
    )
    rows = answer["rows"]
    if len(rows) != len(codes) * regions_n or len(expected) != len(codes) * regions_n:
        raise RuntimeError(f"analytics answered {len(rows)} rows, the SQL {len(expected)}, of {len(codes) * regions_n}")
    wrong = _compare(rows, expected)
    if wrong:
        raise RuntimeError(f"analytics and the hand-written SQL disagree on {wrong} of {len(rows)} values")
    run.log(
        f"  analytics {http_ms:.1f} ms (first read {cold_ms:.0f} ms), hand-written SQL {sql_ms:.1f} ms "
        f"({len(rows)} rows agree)"
    )
    figures.append(
        Figure(
            f"kpi: GET /v1/analytics, first read after the load (every figure from the values), {values:,} values "
            f"({share})",
            round(cold_ms, 1),
            "ms",
            round(sql_ms, 1),
            ratio(cold_ms, sql_ms),
            "reported",
            None,
        )
    )
    figures.append(
        Figure(
            f"kpi: GET /v1/analytics, {len(codes)} indicators × {regions_n} regions, one quarter, "
            f"{values:,} values ({share})",
            round(http_ms, 1),
            "ms",
            round(sql_ms, 1),
            ratio(http_ms, sql_ms),
            "≤ 2 × hand-written SQL" if values >= 100_000 else "reported (fixed costs dominate)",
            http_ms <= 2 * sql_ms if values >= 100_000 else None,
        )
    )

    # The federal quarterly report, with survey-api and roadmap-api answering.
    with httpx.Client(base_url=kpi.url, headers=FEDERAL, timeout=300) as client:
        report_ms, report, first_report_ms = _timed_get(
            client, "/v1/reports/quarterly", {"period": PERIOD}, 1, report_repeats
        )
    unavailable = report.get("sections_unavailable")
    changed_ms = _report_after_changes(kpi.url, dsn(kpi_url), regions, report_repeats)
    run.log(
        f"  quarterly report {report_ms:.0f} ms (first {first_report_ms:.0f} ms, after a region's corrections "
        f"{changed_ms:.0f} ms), {len(report['regions'])} regions, unavailable {unavailable}"
    )
    if len(report["regions"]) != regions_n:
        raise RuntimeError(f"the report covers {len(report['regions'])} of {regions_n} regions")
    figures.append(
        Figure(
            f"kpi: GET /v1/reports/quarterly (federal, {regions_n} regions, JSON), {values:,} values ({share})",
            round(report_ms / 1000, 3),
            "s",
            round(sql_ms / 1000, 3),
            ratio(report_ms, sql_ms),
            "< 5 s (baseline: the hand-written indicator SQL)",
            report_ms < 5000,
        )
    )
    figures.append(
        Figure(
            f"kpi: GET /v1/reports/quarterly after one region reopened a value of every indicator, {values:,} values "
            f"({share})",
            round(changed_ms / 1000, 3),
            "s",
            round(sql_ms / 1000, 3),
            ratio(changed_ms, sql_ms),
            "< 5 s (baseline: the hand-written indicator SQL)",
            changed_ms < 5000,
        )
    )
    figures.append(
        Figure(
            f"kpi: GET /v1/reports/quarterly, first read after the load (every figure from the values), "
            f"{values:,} values ({share})",
            round(first_report_ms / 1000, 3),
            "s",
            round(sql_ms / 1000, 3),
            ratio(first_report_ms, sql_ms),
            "reported",
            None,
        )
    )
    if last:
        run.notes.append(
            f"kpi data ({run.scale} scale, largest point): {regions_n} regions × {organisations} organisations "
            f"(under {min(MUNICIPALITIES, organisations)} municipalities each) × {INPUTS} monthly input indicators "
            f"(30 summed, 8 averaged, 2 max) × {len(MONTHS)} months = {values:,} values ({share}: "
            f"{NATIONAL_VALUES:,}), loaded with COPY in {load_s:.0f} s then VACUUM ANALYZE; 3 formula indicators "
            "(`I01 / I02 * 100`, `I03 * 1000 / I04`, `(I05 - prev(I05)) * 100 / prev(I05)`) and a target per "
            f"indicator, region and quarter. Analytics: every indicator × every region for {PERIOD} (three months "
            f"per organisation), the median of {repeats} warm runs after 6; the baseline is one hand-written SQL "
            "statement (GROUP BY region via the materialised path, the formulas and targets in SQL, asyncpg) whose "
            "numbers the API's rows are checked against. Each point has databases of its own."
        )
        run.notes.append(
            f"Quarterly report: `GET /v1/reports/quarterly?period={PERIOD}` for the whole federation, median of "
            f"{report_repeats} runs after one, with survey-api and roadmap-api running on their own (empty) "
            "databases, so their sections are answered but hold no data (sections unavailable: "
            f"{unavailable or 'none'})."
        )
        # Memory of the processes that served all of the above.
        for server in (kpi, roadmap, survey):
            peak = server.peak_rss_mb()
            figures.append(
                Figure(
                    f"kpi: peak RSS of the {server.name} process (VmHWM) at the largest point",
                    round(peak, 1),
                    "MB",
                    None,
                    None,
                    "< 300 MB",
                    peak < 300,
                )
            )
    for server in (kpi, roadmap, survey):
        run.stop(server)
    for url in (kpi_url, survey_url, roadmap_url):
        run.drop_database(url)
    return figures, (http_ms, sql_ms), changed_ms


async def _one_value_per_indicator(db: str, region: str) -> list[int]:
    """An approved value of every input indicator in one of the region's organisations, May."""
    conn = await asyncpg.connect(db)
    try:
        rows = await conn.fetch(
            "SELECT DISTINCT ON (v.indicator_id) v.id FROM indicator_values v JOIN org_units o ON o.id = v.org_unit_id"
            " WHERE o.path LIKE '/RU/' || $1 || '/%' AND v.period = $2 AND v.status = 'approved'"
            " ORDER BY v.indicator_id, v.id",
            region,
            f"{YEAR}-05",
        )
    finally:
        await conn.close()
    return [r["id"] for r in rows]


def _report_after_changes(url: str, db: str, regions: list[str], repeats: int) -> float:
    """Median ms of the federal report read right after one region reopened (took back for correction) an
    approved value of every input indicator: what the report costs while regions are still correcting —
    the changed region's figures are computed again from its values, the others' are unchanged."""
    times = []
    with httpx.Client(base_url=url, timeout=300) as client:
        for region in regions[-repeats:]:
            admin = {"Authorization": f"Bearer {token(['regional_admin'], [region], sub='bench-admin', ttl_s=3600)}"}
            for value_id in asyncio.run(_one_value_per_indicator(db, region)):
                reopened = client.post(f"/v1/values/{value_id}/reopen", json={"reason": "bench: исправление"},
                                       headers=admin)  # fmt: skip
                _ok(reopened)
            started = time.perf_counter()
            _checked(client.get("/v1/reports/quarterly", params={"period": PERIOD}, headers=FEDERAL))
            times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


@benchmark
def kpi_api(run: Run) -> list[Figure]:
    regions_n = REGIONS[run.scale]
    chosen = os.environ.get(POINTS_ENV, "").strip()
    sizes = tuple(int(n) for n in chosen.split(",")) if chosen else run.sizes(**ORGANISATIONS)
    repeats = run.size(11, 3)
    report_repeats = run.size(5, 2)
    figures: list[Figure] = []
    analytics: list[tuple[int, float, float]] = []
    reports: list[tuple[int, float, float]] = []
    for index, organisations in enumerate(sizes):
        found, (http_ms, sql_ms), report_ms = _point(
            run, regions_n, organisations, repeats, report_repeats, last=index == len(sizes) - 1
        )
        figures += found
        values = regions_n * organisations * INPUTS * len(MONTHS)
        analytics.append((values, http_ms, sql_ms))
        reports.append((values, report_ms, sql_ms))
    if len(sizes) > 1:
        figures.append(growth("kpi: analytics growth", analytics, "values", "reported", None))
        figures.append(
            growth("kpi: quarterly report growth (after a region's corrections)", reports, "values", "reported", None)
        )
    return figures
