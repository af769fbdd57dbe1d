"""Demo indicators, targets and values for ``make run`` (called by :mod:`kpi_api.demo`).

* The 25 target indicators of the Murmansk programme for primary care 2021–2025
  (``data/reference/murmansk_indicators.csv``) as yearly indicators of RU-MUR with the 2020 baseline
  and the 2021–2025 targets. Quirks: indicator 23 is the range "4-14" (kept as a note, no numeric
  target); missing units take the English gloss; direction is read from the planned trend (a falling
  plan is lower-is-better) plus the waiting-time and deficit indicators 22 and 25.
* The NSI "Здравоохранение" model's KPIs (``nsi_health_model.json``) with source ``survey`` and plan
  execution with source ``roadmap`` and its 90 % threshold.
* Operational indicators of the demo organisations with generated (deterministic) 2025 values, so that
  ``/v1/analytics`` shows values, ratios of sums, targets and statuses. The source has no actual values:
  every value here is invented for the demo.
"""

from __future__ import annotations

import csv
import json
import random
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from kpi_api.indicators.repository import IndicatorRepository
from kpi_api.indicators.schemas import IndicatorCreate
from kpi_api.indicators.service import IndicatorService
from kpi_api.org_units.repository import OrgUnitRepository
from kpi_api.targets.schemas import TargetsPut
from kpi_api.targets.service import TargetService
from kpi_api.values.schemas import ValuesPost
from kpi_api.values.service import ValueWriter
from zdrav_shared.auth import Principal
from zdrav_shared.logging import get_logger
from zdrav_shared.periods import Period, PeriodType

log = get_logger(__name__)

MARKER = "MUR_T01"
PULLED = {"NSI_4", "NSI_NPS", "NSI_PLAN_EXECUTION"}
"""Pulled from survey-api and roadmap-api by kpi_api.sources: no values are entered for them."""
LOWER_IS_BETTER_IDS = {"22", "25"}
OPERATIONAL: list[dict[str, Any]] = [
    {
        "code": "DOCTORS",
        "name_ru": "Число врачей (физических лиц)",
        "unit": "чел.",
        "time_aggregation": "last",
        "precision": 0,
    },
    {
        "code": "DOCTOR_POSTS",
        "name_ru": "Штатные врачебные должности",
        "unit": "ед.",
        "time_aggregation": "last",
        "precision": 0,
    },
    {
        "code": "ATTACHED",
        "name_ru": "Численность прикреплённого населения",
        "unit": "чел.",
        "time_aggregation": "last",
        "precision": 0,
    },
    {"code": "VISITS", "name_ru": "Число посещений", "unit": "посещений", "periodicity": "month", "precision": 0},
    {
        "code": "STAFFING_RATE",
        "name_ru": "Укомплектованность врачебных должностей (коэффициент совместительства 1,2)",
        "unit": "%",
        "formula": "DOCTORS / DOCTOR_POSTS * 100 * 1.2",
    },
    {
        "code": "DOCTORS_PER_10K",
        "name_ru": "Обеспеченность врачами на 10 тыс. населения",
        "unit": "per 10 000",
        "formula": "DOCTORS * 10000 / ATTACHED",
    },
    {
        "code": "VISITS_GROWTH",
        "name_ru": "Темп прироста числа посещений",
        "unit": "%",
        "formula": "(VISITS - prev(VISITS)) * 100 / prev(VISITS)",
    },
]


def _number(text: str) -> Decimal | None:
    text = text.strip().replace("%", "").replace(",", ".").replace(" ", "")
    try:
        return Decimal(text) if text else None
    except ArithmeticError:
        return None


def _murmansk(reference: Path) -> list[dict[str, Any]]:
    with (reference / "murmansk_indicators.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _murmansk_indicator(row: dict[str, Any]) -> IndicatorCreate:
    baseline, final = _number(row["baseline_2020"]), _number(row["v2025"])
    lower = row["id"] in LOWER_IS_BETTER_IDS or (baseline is not None and final is not None and final < baseline)
    unit = row["unit_ru"] or row["unit_en"].removeprefix("inferred:").strip() or "—"
    percent = row["unit_en"].startswith("percent")
    counted = unit in ("человек", "persons") or "count" in row["unit_en"] or "units" in row["unit_en"]
    return IndicatorCreate.model_validate(
        {
            "code": f"MUR_T{int(row['id']):02d}",
            "name_ru": row["name_ru"][:1000],
            "description": (row["formula_note_ru"] or None) and row["formula_note_ru"][:10_000],
            "unit": unit[:100],
            "kind": "input",
            "aggregation": "average" if percent else "sum",
            "time_aggregation": "last" if not row["unit_en"].startswith("inferred: home visits") else "sum",
            "direction": "lower_is_better" if lower else "higher_is_better",
            "periodicity": "year",
            "precision": 0 if counted else (2 if "per" in row["unit_en"] else 1),
        }
    )


async def _create(session: AsyncSession, principal: Principal, body: IndicatorCreate) -> None:
    await IndicatorService(session).create(principal, body)


async def _catalogue(session: AsyncSession, principal: Principal, reference: Path) -> list[dict[str, Any]]:
    rows = _murmansk(reference)
    for row in rows:
        await _create(session, principal, _murmansk_indicator(row))
    model = json.loads((reference / "nsi_health_model.json").read_text(encoding="utf-8"))
    for kpi in model["kpis"]:
        code = "NSI_" + kpi["no"].replace(".", "_")
        await _create(
            session,
            principal,
            IndicatorCreate.model_validate(
                {
                    "code": code,
                    "name_ru": kpi["name_ru"],
                    "unit": kpi["unit_ru"],
                    "kind": "input",
                    "aggregation": "average",
                    "time_aggregation": "average",
                    "direction": kpi["direction"],
                    "periodicity": "quarter",
                    "source": "survey",
                    # Outpatient satisfaction is the survey's satisfaction share (demo-2025, all campaigns).
                    **({"source_metric": "satisfaction_share"} if code in PULLED else {}),
                }
            ),
        )
    await _create(
        session,
        principal,
        IndicatorCreate.model_validate(
            {
                "code": "NSI_NPS",
                "name_ru": "Индекс готовности рекомендовать медицинскую организацию (NPS)",
                "unit": "NPS",
                "kind": "input",
                "aggregation": "average",
                "time_aggregation": "average",
                "direction": "higher_is_better",
                "periodicity": "quarter",
                "source": "survey",
                "source_metric": "nps",
            }
        ),
    )
    await _create(
        session,
        principal,
        IndicatorCreate.model_validate(
            {
                "code": "NSI_PLAN_EXECUTION",
                "name_ru": "Исполнение плана реализации дорожных карт",
                "unit": "%",
                "kind": "input",
                "aggregation": "average",
                "time_aggregation": "last",
                "direction": "higher_is_better",
                "periodicity": "quarter",
                "source": "roadmap",
                "thresholds": {"on_track_ratio": 1, "at_risk_ratio": 0.9},
            }
        ),
    )
    for spec in OPERATIONAL:
        body = {
            "kind": "formula" if "formula" in spec else "input",
            "direction": "higher_is_better",
            "periodicity": "quarter",
            **spec,
        }
        await _create(session, principal, IndicatorCreate.model_validate(body))
    return rows


async def _targets(
    session: AsyncSession,
    principal: Principal,
    rows: list[dict[str, Any]],
    regions: list[str],
    organisations: list[str],
) -> None:
    service = TargetService(session)
    for row in rows:
        baseline = _number(row["baseline_2020"])
        items = []
        for year in range(2021, 2026):
            raw = row[f"v{year}"]
            target = _number(raw)
            note = None if target is not None or not raw else f"printed as the range {raw}"
            items.append(
                {"org_unit_code": "RU-MUR", "period": str(year), "baseline": baseline, "target": target, "note": note}
            )
        code = f"MUR_T{int(row['id']):02d}"
        await service.put(principal, code, TargetsPut.model_validate({"items": items, "reason": "программа 2021–2025"}))
    long_term = [{"org_unit_code": r, "period": "2025", "target": 90, "note": None} for r in regions]
    nps = [{"org_unit_code": r, "period": "2025", "target": 30, "note": None} for r in regions]
    await service.put(principal, "NSI_NPS", TargetsPut.model_validate({"items": nps, "reason": "НСИ: NPS 30"}))
    for code in ("NSI_4", "NSI_5", "NSI_6", "NSI_PLAN_EXECUTION"):
        await service.put(principal, code, TargetsPut.model_validate({"items": long_term, "reason": "НСИ: 90 %"}))
    staffing = [{"org_unit_code": u, "period": "2025", "target": 85} for u in [*regions, *organisations]]
    await service.put(principal, "STAFFING_RATE", TargetsPut.model_validate({"items": staffing}))
    visits = [{"org_unit_code": u, "period": "2025", "target": 48000} for u in organisations]
    await service.put(principal, "VISITS", TargetsPut.model_validate({"items": visits}))


def _clock(at: datetime) -> Any:
    return lambda: at


async def _values(
    session: AsyncSession,
    principal: Principal,
    rows: list[dict[str, Any]],
    regions: list[str],
    organisations: list[str],
) -> int:
    rng = random.Random(20250)
    stored = 0

    async def write(items: list[dict[str, Any]], period: Period, late: bool = False) -> None:
        nonlocal stored
        submitted = datetime.combine(period.end, datetime.min.time(), tzinfo=UTC) + timedelta(days=12 if late else 3)
        result = await ValueWriter(session, _clock(submitted)).write(
            principal, ValuesPost.model_validate({"items": items, "submit": True})
        )
        stored += sum(r.status != "rejected" for r in result.results)

    for row in rows:  # Murmansk programme: yearly values of the region for 2024 and 2025 around the plan
        for year in (2024, 2025):
            target = _number(row[f"v{year}"])
            if target is None:
                continue
            lower = _murmansk_indicator(row).direction == "lower_is_better"
            factor = Decimal(str(round(rng.uniform(0.9, 1.04) if not lower else rng.uniform(0.97, 1.12), 3)))
            value = (target * factor).quantize(Decimal("0.1")) if target else Decimal("0.4")
            code = f"MUR_T{int(row['id']):02d}"
            item = {
                "indicator_code": code,
                "org_unit_code": "RU-MUR",
                "period": str(year),
                "value": str(value),
                "comment": "демонстрационное значение",
            }
            await write([item], Period.year_of(year))
    for quarter in (1, 2, 3):
        period = Period.quarter_of(2025, quarter)
        for index, unit in enumerate(organisations):
            size = 40 + 17 * (index % 5)
            posts = Decimal(size)
            doctors = (posts * Decimal(str(round(rng.uniform(0.62, 0.8), 2)))).quantize(Decimal(1))
            attached = Decimal(15000 + 2500 * (index % 7))
            items = [
                {"indicator_code": "DOCTOR_POSTS", "value": str(posts)},
                {"indicator_code": "DOCTORS", "value": str(doctors)},
                {"indicator_code": "ATTACHED", "value": str(attached)},
                {"indicator_code": "NSI_1_1", "value": str(rng.randint(1, 9))},
                {"indicator_code": "NSI_4", "value": str(round(rng.uniform(68, 93), 1))},
                {"indicator_code": "NSI_5", "value": str(round(rng.uniform(70, 95), 1))},
            ]
            items = [i for i in items if i["indicator_code"] not in PULLED]
            if quarter == 3 and index % 4 == 3:
                continue  # not yet reported: shows in /v1/completeness as missing
            common = {"org_unit_code": unit, "period": period.code, "comment": "демонстрационное значение"}
            await write([{**common, **i} for i in items], period, late=index % 5 == 4)
            months = []
            for month in period.children(PeriodType.MONTH):
                base = 3200 + 900 * (index % 4)
                months.append(
                    {
                        **common,
                        "indicator_code": "VISITS",
                        "period": month.code,
                        "value": str(int(base * rng.uniform(0.85, 1.15) * (1 + 0.03 * quarter))),
                    }
                )
            await write(months, period)
        for region in regions:
            # Plan execution is pulled from roadmap-api; the draw only keeps the generator's sequence.
            execution = {
                "indicator_code": "NSI_PLAN_EXECUTION",
                "org_unit_code": region,
                "period": period.code,
                "value": str(round(rng.uniform(78, 100), 1)),
                "comment": "демонстрационное значение",
            }
            if execution["indicator_code"] not in PULLED:
                await write([execution], period)
    return stored


async def load_monitoring_demo(session: AsyncSession, principal: Principal, reference: Path) -> bool:
    """Load the demo catalogue, targets and values once; False when they are already there."""
    if await IndicatorRepository(session).get(MARKER) is not None:
        return False
    units = OrgUnitRepository(session)
    regions = [u.code for u in await units.list_units(limit=1000, level="region")]
    organisations = [u.code for u in await units.list_units(limit=1000, level="organisation")]
    rows = await _catalogue(session, principal, reference)
    await _targets(session, principal, rows, regions, organisations)
    stored = await _values(session, principal, rows, regions, organisations)
    log.info("demo_monitoring_loaded", indicators=len(rows) + 9 + len(OPERATIONAL), values=stored)
    return True
