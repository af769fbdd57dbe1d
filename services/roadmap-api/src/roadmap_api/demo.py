"""Demo content for ``make run``: the Murmansk programme with its financing (КБК codes kept), the lean
before/after results as an improvement project with its approved passport, a roadmap for RU-MUR and
one for RU-KYA with tasks in various states, and — from ``demo_flows`` — the two Krasnoyarsk
strategic sessions with votes cast by their participants, the Murmansk regional centre with its
members and compliance report, and an escalation.

Written through the services (no HTTP) as a federal demo principal; the org-unit check is skipped
(the demo org units are data/demo/org_units.csv). Idempotent: a database that already holds the
Murmansk programme is left as it is.
"""

from __future__ import annotations

import asyncio
import json
import re
import sys
from datetime import date
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession

from roadmap_api.demo_flows import (
    federal_reviewer,
    load_escalation,
    load_first_session,
    load_regional_centre,
    load_second_session,
)
from roadmap_api.improvements.rules import Category, NewModelCriterion, PassportAction, load_lean_before_after
from roadmap_api.improvements.schemas import ImprovementCreate, MetricIn, PassportStep, StageIn
from roadmap_api.improvements.service import ImprovementService
from roadmap_api.improvements.workflow import ImprovementWorkflow
from roadmap_api.programmes.reference import load_financing, load_plan
from roadmap_api.programmes.repository import ProgrammeRepository
from roadmap_api.programmes.schemas import (
    DeclaredTotalIn,
    FinancingLineIn,
    FinancingReplace,
    Kbk,
    PlanItemIn,
    ProgrammeCreate,
    TermIn,
)
from roadmap_api.programmes.service import ProgrammeService
from roadmap_api.roadmaps.schemas import KpiLink, MeasureCreate, RoadmapCreate
from roadmap_api.roadmaps.service import RoadmapService
from roadmap_api.tasks.rules import RoadmapStatus
from roadmap_api.tasks.schemas import TaskCreate, TaskUpdate
from roadmap_api.tasks.service import TaskService
from zdrav_shared.auth import Principal, Role
from zdrav_shared.db import Database
from zdrav_shared.logging import get_logger

log = get_logger(__name__)

DEMO = Principal(sub="demo-loader", roles=frozenset({Role.FEDERAL}), scope_org_units=frozenset({"RU"}))
PROGRAMME_CODE = "MUR-PMSP-2021-2025"


def reference_dir() -> Path:
    """``data/reference`` of the repository, found by walking up from this file."""
    for parent in Path(__file__).resolve().parents:
        if (parent / "data" / "reference").is_dir():
            return parent / "data" / "reference"
    raise FileNotFoundError("data/reference not found above " + str(Path(__file__)))


async def load_programme(session: AsyncSession, ref: Path) -> None:
    service = ProgrammeService(session, DEMO)
    programme = await service.create(
        ProgrammeCreate(
            code=PROGRAMME_CODE,
            region_code="RU-MUR",
            title_ru="Региональная программа «Модернизация первичного звена здравоохранения Мурманской области»",
            start_year=2021,
            end_year=2025,
        )
    )
    items = [
        PlanItemIn(
            level=i.level,
            number=i.number,
            goal_no=i.goal_no,
            task_no=i.task_no,
            title_ru=i.title_ru,
            start=TermIn(kind=i.start.kind, on=i.start.on, text=i.start.text),
            end=TermIn(kind=i.end.kind, on=i.end.on, text=i.end.text),
            responsible_ru=i.responsible_ru,
            result_ru=i.result_ru,
            responsible_bodies=split_bodies(i.responsible_ru),
        )
        for i in load_plan(ref / "murmansk_plan.csv")
    ]
    await service.replace_plan(programme.id, items)
    fin = load_financing(ref / "murmansk_financing.csv")
    await service.replace_financing(
        programme.id,
        FinancingReplace(
            lines=[
                FinancingLineIn(
                    activity_no=x.activity_no,
                    source=x.source,
                    year=x.year,
                    amount=x.amount,
                    kbk=Kbk.model_validate(x.kbk) if x.kbk is not None else None,
                )
                for x in fin.lines
            ],
            declared=[
                DeclaredTotalIn(activity_no=d.activity_no, source=d.source, year=d.year, amount=d.amount)
                for d in fin.declared
                if d.amount is not None
            ],
        ),
    )


def split_bodies(printed: str | None) -> list[str] | None:
    """The responsible bodies one by one: the plan prints them joined with ", " before each
    "Министерство …"."""
    if printed is None:
        return None
    return [body.strip() for body in re.split(r",\s+(?=Министерство)", printed)]


async def load_lean(session: AsyncSession, ref: Path) -> None:
    results = load_lean_before_after(ref / "lean_before_after.csv")
    project = await ImprovementService(session, DEMO).create(
        ImprovementCreate(
            region_code="RU-MUR",
            pilot_org_unit_code="MUR-GP1",
            org_unit_code="MUR-GP1",
            leader="Заведующий поликлиникой",
            new_model_criteria=[NewModelCriterion.PATIENT_FLOW, NewModelCriterion.CARE_ACCESSIBILITY],
            title="Бережливая поликлиника: регистратура, запись и профилактические осмотры",
            category=Category.REGISTRY,
            process="Запись на приём, регистратура, диспансеризация и профилактические осмотры",
            problem="Очереди в регистратуру и у кабинета врача, много посещений при диспансеризации",
            goal="Сократить ожидание и число посещений (результаты на 01.05.2019)",
            team=["Главный врач", "Заведующий поликлиникой", "Старшая медицинская сестра"],
            stages=[
                StageIn(stage="preparation", start_date=date(2018, 9, 1), end_date=date(2018, 9, 30)),
                StageIn(stage="diagnosis", start_date=date(2018, 10, 1), end_date=date(2018, 10, 31)),
                StageIn(stage="target_state", start_date=date(2018, 11, 1), end_date=date(2018, 11, 30)),
                StageIn(stage="implementation", start_date=date(2018, 12, 1), end_date=date(2019, 3, 31)),
                StageIn(stage="sustaining_and_closure", start_date=date(2019, 4, 1), end_date=date(2019, 5, 1)),
            ],
            metrics=[
                MetricIn(name=r.metric_ru, unit=r.unit_ru, direction=r.direction, before=r.before, after=r.after_max)
                for r in results
            ],
        )
    )
    # The passport goes to the regional centre and is approved there (by someone else).
    await ImprovementWorkflow(session, DEMO).passport(project.id, PassportStep(action=PassportAction.SUBMIT))
    await ImprovementWorkflow(session, federal_reviewer()).passport(
        project.id, PassportStep(action=PassportAction.APPROVE, note="Паспорт согласован региональным центром")
    )


async def load_roadmap(session: AsyncSession, region: str, title: str, kpi_code: str) -> None:
    roadmaps = RoadmapService(session, DEMO)
    bundle = await roadmaps.create(
        RoadmapCreate(
            region_code=region,
            life_situation="Получение плановой специализированной медицинской помощи пациентом с ССЗ",
            title=title,
            kpis=[KpiLink(indicator_code=kpi_code, baseline="61.5", target="75", target_period="2025")],
            measures=[
                MeasureCreate(
                    problem="Долгое ожидание записи к кардиологу",
                    causes=["Дефицит кадров", "Нет единой записи"],
                    solution="Единый call-центр и маршрутизация пациентов",
                    best_practices=["Бережливая поликлиника"],
                )
            ],
        )
    )
    rid = bundle.roadmap.id
    tasks = TaskService(session, DEMO)
    activity = await tasks.create(
        rid,
        TaskCreate(
            title="Маршрутизация пациентов с ССЗ",
            start_date=date(2025, 1, 15),
            due_date=date(2025, 9, 30),
            responsible="Министерство здравоохранения",
        ),
    )
    specs: list[tuple[str, date, date, str | None, date | None]] = [
        ("Утвердить схему маршрутизации", date(2025, 1, 15), date(2025, 3, 31), "done", date(2025, 3, 25)),
        ("Открыть единый call-центр", date(2025, 2, 1), date(2025, 4, 30), "done", date(2025, 5, 20)),
        ("Обучить операторов", date(2025, 3, 1), date(2025, 5, 31), "in_progress", None),
        ("Закупить оборудование ЦАОП", date(2025, 4, 1), date(2025, 6, 30), "cancelled", None),
        ("Мониторинг удовлетворённости", date(2025, 6, 1), date(2026, 12, 31), None, None),
    ]
    await roadmaps.change_status(rid, RoadmapStatus.APPROVED, None)
    for name, start, due, status, completed in specs:
        task = await tasks.create(
            rid,
            TaskCreate(
                title=name,
                parent_id=activity.id,
                start_date=start,
                due_date=due,
                responsible="МИАЦ",
                co_assignees=["ТФОМС"],
            ),
        )
        if status in {"in_progress", "done"}:
            await tasks.update(task.id, TaskUpdate(status="in_progress"), None)
        if status == "done":
            await tasks.update(task.id, TaskUpdate(status="done", completed_on=completed), None)
        if status == "cancelled":
            await tasks.update(task.id, TaskUpdate(status="cancelled"), None)
    await roadmaps.change_status(rid, RoadmapStatus.IN_PROGRESS, None)


async def load_demo(database_url: str) -> None:
    """Load the demo content into a migrated database (once)."""
    database = Database.from_url(database_url)
    ref = reference_dir()
    try:
        async with database.sessionmaker() as session:
            if await ProgrammeRepository(session).by_code(PROGRAMME_CODE) is not None:
                return
            await load_programme(session, ref)
            await load_lean(session, ref)
            await load_roadmap(session, "RU-MUR", "Дорожная карта ЖС «ССЗ» — Мурманская область", "SAT_SHARE")
            await load_roadmap(session, "RU-KYA", "Дорожная карта ЖС «ССЗ» — Красноярский край", "SAT_SHARE")
            facts = json.loads((ref / "krasnoyarsk_sessions.json").read_text(encoding="utf-8"))
            await load_first_session(session, DEMO, facts)
            await load_second_session(session, DEMO, facts)
            await load_regional_centre(session, DEMO)
            await load_escalation(session, DEMO)
            await session.commit()
            log.info("demo_roadmap_data_loaded")
    finally:
        await database.dispose()


if __name__ == "__main__":
    asyncio.run(load_demo(sys.argv[1]))
