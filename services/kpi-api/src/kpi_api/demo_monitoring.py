"""Demo indicators, targets and values for ``make run`` (called by :mod:`kpi_api.demo`).

* The 25 target indicators of the Murmansk programme for primary care 2021–2025, owned by RU-MUR and
  entered the way the programme computes them (:mod:`kpi_api.demo_murmansk`), with the 2020 baseline
  and the 2021–2025 targets. Quirks: indicator 23 is the range "4-14" (kept as a note, no numeric
  target); missing units take the English gloss; direction is read from the planned trend (a falling
  plan is lower-is-better) plus the waiting-time and deficit indicators 22 and 25.
* The NSI "Здравоохранение" model's KPIs (``nsi_health_model.json``), federal: waiting times as ratios
  (days waited ÷ appointments), satisfaction shares as ratios (satisfied ÷ answered) — the outpatient
  one and NPS pulled from survey-api —, and plan execution pulled from roadmap-api with its 90 %
  threshold.
* Operational indicators of the demo organisations with generated (deterministic) 2025 values, so that
  ``/v1/analytics`` shows values, ratios of sums, targets and statuses. The source has no actual values:
  every value here is invented for the demo.

Values are entered and submitted by the loader and approved by another user (four eyes): the first two
quarters of 2025 and the Murmansk year 2024 are approved (the federal report shows them), the third
quarter and 2025 stay submitted (analytics shows them by default; the report does not).
"""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from kpi_api import demo_murmansk as murmansk
from kpi_api.indicators.repository import IndicatorRepository
from kpi_api.indicators.schemas import IndicatorCreate
from kpi_api.indicators.service import IndicatorService
from kpi_api.org_units.repository import OrgUnitRepository
from kpi_api.targets.schemas import TargetsPut
from kpi_api.targets.service import TargetService
from kpi_api.values.schemas import ValuesPost
from kpi_api.values.service import ValueWriter
from kpi_api.values.workflow import ValueWorkflow
from zdrav_shared.auth import Principal, Role
from zdrav_shared.logging import get_logger
from zdrav_shared.periods import Period, PeriodType

log = get_logger(__name__)

MARKER = "MUR_T01"
PULLED = {"NSI_4", "NSI_NPS", "NSI_PLAN_EXECUTION", "NSI_DETRACTOR_FOLLOWUP_48H"}
"""Pulled from survey-api and roadmap-api by kpi_api.sources: no values are entered for them."""
APPROVER = Principal(sub="demo-approver", roles=frozenset({Role.FEDERAL}), scope_org_units=frozenset({"RU"}))
"""Approves what the loader entered: nobody approves their own values (four eyes)."""
APPROVED_QUARTERS = (1, 2)
AT_ORGANISATIONS = {"reporting_level": "organisation"}
OPERATIONAL: list[dict[str, Any]] = [
    {
        "code": "DOCTORS",
        "name_ru": "Число врачей (физических лиц)",
        "unit": "чел.",
        "time_aggregation": "last",
        "precision": 0,
        **AT_ORGANISATIONS,
    },
    {
        "code": "DOCTOR_POSTS",
        "name_ru": "Штатные врачебные должности",
        "unit": "ед.",
        "time_aggregation": "last",
        "precision": 0,
        **AT_ORGANISATIONS,
    },
    {
        "code": "ATTACHED",
        "name_ru": "Численность прикреплённого населения",
        "unit": "чел.",
        "time_aggregation": "last",
        "precision": 0,
        **AT_ORGANISATIONS,
    },
    {
        "code": "VISITS",
        "name_ru": "Число посещений",
        "unit": "посещений",
        "periodicity": "month",
        "precision": 0,
        **AT_ORGANISATIONS,
    },
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


async def _create(session: AsyncSession, principal: Principal, body: IndicatorCreate) -> None:
    await IndicatorService(session).create(principal, body)


def _nsi_kpi(kpi: dict[str, Any]) -> dict[str, Any]:
    """An NSI KPI: waiting times as mean days (days waited ÷ appointments), satisfaction as shares
    (satisfied ÷ answered); the outpatient satisfaction share is pulled from survey-api."""
    code = "NSI_" + kpi["no"].replace(".", "_")
    share = kpi["unit_en"] == "percent"
    body: dict[str, Any] = {
        "code": code,
        "name_ru": kpi["name_ru"],
        "unit": kpi["unit_ru"],
        "kind": "input",
        "aggregation": "ratio",
        "scale": 100 if share else 1,
        "direction": kpi["direction"],
        "periodicity": "quarter",
        "source": "survey",  # the NSI model measures them by survey and self-assessment
        **AT_ORGANISATIONS,
    }
    if code in PULLED:
        return {**body, "source_metric": "satisfaction_share", "reporting_level": None}
    return body


async def _catalogue(session: AsyncSession, principal: Principal, reference: Path) -> list[dict[str, Any]]:
    programme = murmansk.rows(reference)
    for row in programme:
        if murmansk.SHAPES[row["id"]][0] == "formula":
            continue  # after its components
        await _create(session, murmansk.MUR_ADMIN, IndicatorCreate.model_validate(murmansk.indicator_body(row)))
    for body in murmansk.component_bodies():
        await _create(session, murmansk.MUR_ADMIN, IndicatorCreate.model_validate(body))
    for row in programme:
        if murmansk.SHAPES[row["id"]][0] == "formula":
            await _create(session, murmansk.MUR_ADMIN, IndicatorCreate.model_validate(murmansk.indicator_body(row)))
    model = json.loads((reference / "nsi_health_model.json").read_text(encoding="utf-8"))
    for kpi in model["kpis"]:
        await _create(session, principal, IndicatorCreate.model_validate(_nsi_kpi(kpi)))
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
                "aggregation": "ratio",
                "direction": "higher_is_better",
                "periodicity": "quarter",
                "precision": 2,  # as roadmap-api reports execution: the section and the row read alike
                "source": "roadmap",
                "thresholds": {"on_track_ratio": 1, "at_risk_ratio": 0.9},
            }
        ),
    )
    await _create(
        session,
        principal,
        IndicatorCreate.model_validate(
            {
                "code": "NSI_DETRACTOR_FOLLOWUP_48H",
                "name_ru": "Доля отзывов критиков (NPS 0–6), отработанных в течение 48 часов",
                "description": (
                    "Критики с комментарием, по которым задача в roadmap-api выполнена не позднее 48 часов "
                    "после ответа, ÷ все критики с комментарием × 100. Ориентир: около 80 % — уровень, "
                    "который практика CX считает реалистичным; цель задаёт регион."
                ),
                "unit": "%",
                "kind": "input",
                "aggregation": "ratio",
                "direction": "higher_is_better",
                "periodicity": "quarter",
                "source": "roadmap",
                "source_metric": "followup_48h",
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
    return programme


async def _targets(
    session: AsyncSession,
    principal: Principal,
    rows: list[dict[str, Any]],
    regions: list[str],
    organisations: list[str],
) -> None:
    service = TargetService(session)
    for row in rows:
        await service.put(principal, murmansk.code_of(row), TargetsPut.model_validate(murmansk.targets(row)))
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

    async def write(items: list[dict[str, Any]], period: Period, *, approve: bool, late: bool = False) -> None:
        nonlocal stored
        submitted = datetime.combine(period.end, datetime.min.time(), tzinfo=UTC) + timedelta(days=12 if late else 3)
        result = await ValueWriter(session, _clock(submitted)).write(
            principal, ValuesPost.model_validate({"items": items, "submit": True})
        )
        rejected = [r.problem for r in result.results if r.status == "rejected"]
        if rejected:
            raise RuntimeError(f"demo values do not load: {rejected[:3]}")
        stored += len(result.results)
        if approve:
            workflow = ValueWorkflow(session, _clock(submitted + timedelta(days=2)))
            for written in result.results:
                assert written.id is not None
                await workflow.approve(APPROVER, written.id, None, "демонстрация: проверено")

    maker = murmansk.ValueMaker(rng)
    for year in murmansk.YEARS:  # Murmansk programme: 2024 and 2025 around the plan, as the footnotes compute
        period = Period.year_of(year)
        items = [
            {**item, "period": period.code, "comment": "демонстрационное значение"} for item in maker.year(rows, year)
        ]
        await write(items, period, approve=year in murmansk.APPROVED_YEARS)
    for quarter in (1, 2, 3):
        period = Period.quarter_of(2025, quarter)
        approve = quarter in APPROVED_QUARTERS
        for index, unit in enumerate(organisations):
            size = 40 + 17 * (index % 5)
            posts = Decimal(size)
            doctors = (posts * Decimal(str(round(rng.uniform(0.62, 0.8), 2)))).quantize(Decimal(1))
            attached = Decimal(15000 + 2500 * (index % 7))
            appointments = 900 + 150 * (index % 6)
            answered = 40 + 7 * (index % 5)
            items = [
                {"indicator_code": "DOCTOR_POSTS", "value": str(posts)},
                {"indicator_code": "DOCTORS", "value": str(doctors)},
                {"indicator_code": "ATTACHED", "value": str(attached)},
                # mean wait of an appointment with a GP: days waited ÷ appointments
                {
                    "indicator_code": "NSI_1_1",
                    "numerator": str(int(appointments * rng.uniform(1, 9))),
                    "denominator": str(appointments),
                },
                # inpatients' survey: satisfied ÷ those who answered
                {
                    "indicator_code": "NSI_5",
                    "numerator": str(int(answered * rng.uniform(0.7, 0.95))),
                    "denominator": str(answered),
                },
            ]
            if quarter == 3 and index % 4 == 3:
                continue  # not yet reported: shows in /v1/completeness as missing
            common = {"org_unit_code": unit, "period": period.code, "comment": "демонстрационное значение"}
            await write([{**common, **i} for i in items], period, approve=approve, late=index % 5 == 4)
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
            await write(months, period, approve=approve)
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
