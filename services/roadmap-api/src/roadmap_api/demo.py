"""Demo content for ``make run``: the Murmansk programme with its financing, the lean before/after
results, a roadmap for RU-MUR and one for RU-KYA with tasks in various states, and the first
Krasnoyarsk strategic session with its sections and winning projects.

Written through the services (no HTTP) as a federal demo principal; the org-unit check is skipped
(the demo org units are data/demo/org_units.csv). Idempotent: a database that already holds the
Murmansk programme is left as it is.
"""

from __future__ import annotations

import asyncio
import json
import sys
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from roadmap_api.improvements.rules import Category, load_lean_before_after
from roadmap_api.improvements.schemas import ImprovementCreate, MetricIn, StageIn
from roadmap_api.improvements.service import ImprovementService
from roadmap_api.programmes.reference import load_financing, load_plan
from roadmap_api.programmes.repository import ProgrammeRepository
from roadmap_api.programmes.schemas import (
    DeclaredTotalIn,
    FinancingLineIn,
    FinancingReplace,
    PlanItemIn,
    ProgrammeCreate,
    TermIn,
)
from roadmap_api.programmes.service import ProgrammeService
from roadmap_api.roadmaps.schemas import KpiLink, MeasureCreate, RoadmapCreate
from roadmap_api.roadmaps.service import RoadmapService
from roadmap_api.sessions.rules import VotingMode
from roadmap_api.sessions.schemas import (
    GroupCreate,
    ParticipantCategory,
    ParticipantCreate,
    ProjectCreate,
    SectionCreate,
    SessionCreate,
)
from roadmap_api.sessions.service import StrategicSessionService
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
        )
        for i in load_plan(ref / "murmansk_plan.csv")
    ]
    await service.replace_plan(programme.id, items)
    fin = load_financing(ref / "murmansk_financing.csv")
    await service.replace_financing(
        programme.id,
        FinancingReplace(
            lines=[
                FinancingLineIn(activity_no=x.activity_no, source=x.source, year=x.year, amount=x.amount)
                for x in fin.lines
            ],
            declared=[
                DeclaredTotalIn(activity_no=d.activity_no, source=d.source, year=d.year, amount=d.amount)
                for d in fin.declared
                if d.amount is not None
            ],
        ),
    )


async def load_lean(session: AsyncSession, ref: Path) -> None:
    results = load_lean_before_after(ref / "lean_before_after.csv")
    await ImprovementService(session, DEMO).create(
        ImprovementCreate(
            region_code="RU-MUR",
            pilot_org_unit_code="MUR-GP1",
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


async def load_session(session: AsyncSession, ref: Path) -> None:
    facts: dict[str, Any] = json.loads((ref / "krasnoyarsk_sessions.json").read_text(encoding="utf-8"))
    first = facts["sessions"][0]
    service = StrategicSessionService(session, DEMO)
    created = await service.create(
        SessionCreate(
            region_code="RU-KYA",
            held_on=None,  # the source gives the month only (November 2021)
            theme=f"{first['name_ru']} — {first['date_text_ru']}",
            organisers=facts["organising_committee_ru"][:10],
        )
    )
    # The source gives no voting times: the window spans the month of the session.
    opens, closes = datetime(2021, 11, 1, tzinfo=UTC), datetime(2021, 12, 1, tzinfo=UTC)
    for n, winners in enumerate(first["winners"], start=1):
        code = f"S{n}"
        await service.add_section(
            created.id,
            SectionCreate(
                code=code, title=winners["section_ru"], voting_mode=VotingMode.POINTS, opens_at=opens, closes_at=closes
            ),
        )
        group = await service.add_group(
            created.id, GroupCreate(name=f"Рабочая группа {n}", moderator="КрасГМУ", section_code=code)
        )
        for m, title in enumerate(winners["projects_ru"], start=1):
            await service.add_project(
                created.id, ProjectCreate(code=f"{code}-P{m}", title=title, section_code=code, group_id=group.id)
            )
        for category in (
            ParticipantCategory.CHIEF_PHYSICIAN,
            ParticipantCategory.MINISTRY,
            ParticipantCategory.INSURANCE_FUND,
            ParticipantCategory.COLLEGE,
        ):
            await service.add_participant(
                created.id, ParticipantCreate(name=f"{category.value} ({code})", category=category, group_id=group.id)
            )


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
            await load_session(session, ref)
            await session.commit()
            log.info("demo_roadmap_data_loaded")
    finally:
        await database.dispose()


if __name__ == "__main__":
    asyncio.run(load_demo(sys.argv[1]))
