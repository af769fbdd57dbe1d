"""Demo reporting obligations, population figures and the New-model report for ``make run`` (called
by :mod:`kpi_api.demo` after the monitoring demo).

* The New-model report: the reference has no figures for tables 1–3 (``lean_report_tables.json``: the
  tables are empty templates). The only figures of the slides that fit a cell are the 5-month 2019
  counts of polyclinic subdivisions taking part (adult 959, children's 663, adult-children 227; printed
  total "1,8 тыс."): table 1 graph 2, known only as federation totals, so they are entered once for
  the federation (``RU``) as of 1 June 2019. Nothing else is entered; no region's figure is invented.
* Population: the attached population of each demo organisation as of 1 January 2025 — the same
  generated figures as the demo's ``ATTACHED`` values (invented, like every demo value) — and a formula
  ``DOCTORS_PER_10K_ATTACHED`` over the built-in ``POPULATION_ATTACHED``.
* Reporting obligations (invented): the federal monthly reports of September–October 2025, the regional
  programme report of 2025 Q3 and two notices of a change of the regional centre — on time, late,
  missing and still open.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from kpi_api.indicators.schemas import IndicatorCreate
from kpi_api.indicators.service import IndicatorService
from kpi_api.lean_reports.repository import LeanRepository
from kpi_api.lean_reports.schemas import LeanReportPut
from kpi_api.lean_reports.service import LeanReportService
from kpi_api.org_units.repository import OrgUnitRepository
from kpi_api.population.schemas import PopulationFigureCreate
from kpi_api.population.service import PopulationService
from kpi_api.report_submissions.schemas import SubmissionCreate
from kpi_api.report_submissions.service import SubmissionService
from zdrav_shared.auth import Principal
from zdrav_shared.logging import get_logger

log = get_logger(__name__)

LEAN_DATE = date(2019, 6, 1)
POPULATION_DATE = date(2025, 1, 1)


def _clock() -> datetime:
    return datetime(2025, 12, 10, 9, tzinfo=UTC)


async def _lean(session: AsyncSession, principal: Principal, reference: Path) -> None:
    counts: dict[str, Any] = json.loads((reference / "lean_report_tables.json").read_text(encoding="utf-8"))[
        "related_counts_5_months_2019"
    ]
    rows = [
        {"table": 1, "row_type": "adult_polyclinic", "cells": {"2": counts["adult"]}},
        {"table": 1, "row_type": "children_polyclinic", "cells": {"2": counts["children"]}},
        {"table": 1, "row_type": "mixed_polyclinic", "cells": {"2": counts["adult_children"]}},
    ]
    body = LeanReportPut.model_validate({"rows": rows, "reason": "слайды ФЦ ПМСП: итоги 5 месяцев 2019 г."})
    await LeanReportService(session).put(principal, "RU", LEAN_DATE, body, None)


async def _population(session: AsyncSession, principal: Principal, organisations: list[str]) -> None:
    service = PopulationService(session)
    for index, code in enumerate(organisations):
        body = PopulationFigureCreate(
            as_of=POPULATION_DATE, value=15000 + 2500 * (index % 7), source="демонстрационное значение"
        )
        await service.record(principal, code, body)
    await IndicatorService(session).create(
        principal,
        IndicatorCreate.model_validate(
            {
                "code": "DOCTORS_PER_10K_ATTACHED",
                "name_ru": "Обеспеченность врачами на 10 тыс. прикреплённого населения",
                "unit": "на 10 тыс.",
                "kind": "formula",
                "formula": "DOCTORS * 10000 / POPULATION_ATTACHED",
                "direction": "higher_is_better",
                "periodicity": "quarter",
                "precision": 1,
            }
        ),
    )


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text)


async def _obligations(session: AsyncSession, principal: Principal) -> None:
    service = SubmissionService(session, _clock)
    submissions: list[dict[str, Any]] = [
        # September 2025: due Monday 6 October (the 5th is a Sunday).
        {
            "report_type": "federal_monthly",
            "org_unit_code": "RU-MUR",
            "period": "2025-09",
            "submitted_at": "2025-10-03T11:20:00+03:00",
        },
        {
            "report_type": "federal_monthly",
            "org_unit_code": "RU-KYA",
            "period": "2025-09",
            "submitted_at": "2025-10-06T16:05:00+07:00",
        },
        {
            "report_type": "federal_monthly",
            "org_unit_code": "RU-SAK",
            "period": "2025-09",
            "submitted_at": "2025-10-08T10:00:00+11:00",
        },
        # October 2025: due Wednesday 5 November; Sakhalin has not reported.
        {
            "report_type": "federal_monthly",
            "org_unit_code": "RU-MUR",
            "period": "2025-10",
            "submitted_at": "2025-11-05T23:10:00+03:00",
        },
        {
            "report_type": "federal_monthly",
            "org_unit_code": "RU-KYA",
            "period": "2025-10",
            "submitted_at": "2025-11-05T23:10:00+03:00",
        },
        # The regional programme, 2025 Q3: due Friday 10 October.
        {
            "report_type": "regional_programme_quarterly",
            "org_unit_code": "RU-MUR",
            "period": "2025Q3",
            "submitted_at": "2025-10-09T15:00:00+03:00",
        },
        {
            "report_type": "regional_programme_quarterly",
            "org_unit_code": "RU-KYA",
            "period": "2025Q3",
            "submitted_at": "2025-10-14T09:30:00+07:00",
        },
        # A change of the regional centre on Monday 3 November 2025 (3–4 November off): due Friday the 7th.
        {"report_type": "regional_centre_change", "org_unit_code": "RU-MUR", "event_date": "2025-11-03"},
        {
            "report_type": "regional_centre_change",
            "org_unit_code": "RU-MUR",
            "event_date": "2025-11-03",
            "submitted_at": "2025-11-06T12:00:00+03:00",
        },
        # One still open.
        {"report_type": "regional_centre_change", "org_unit_code": "RU-KYA", "event_date": "2025-12-08"},
    ]
    for item in submissions:
        await service.submit(principal, SubmissionCreate.model_validate(item))


async def load_reporting_demo(session: AsyncSession, principal: Principal, reference: Path) -> bool:
    """Load once; False when the federation's New-model report of 1 June 2019 is already there."""
    federation = await OrgUnitRepository(session).get("RU")
    if federation is None or await LeanRepository(session).get(federation.id, LEAN_DATE) is not None:
        return False
    organisations = [u.code for u in await OrgUnitRepository(session).list_units(limit=1000, level="organisation")]
    await _lean(session, principal, reference)
    await _population(session, principal, organisations)
    await _obligations(session, principal)
    log.info("demo_reporting_loaded", organisations=len(organisations))
    return True
