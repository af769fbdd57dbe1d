"""Demo content for ``make run``: the Murmansk programme with its financing (КБК codes kept), the lean
before/after results as an improvement project with its approved passport, a roadmap for RU-MUR and
one for RU-KYA with tasks in various states, and — from ``demo_flows`` — the two Krasnoyarsk
strategic sessions with votes cast by their participants, the Murmansk regional centre with its
members and compliance report, and an escalation.

The RU-MUR roadmap has a history: approved on 2025-02-01 (by the governor and the national agency),
revised on 2025-07-10 with a reason (the equipment purchase dropped, the operators' training given
until 31 August, a task added, the KPI target lowered) and the revision approved on 2025-07-15 — so
its execution as of 2025-06-30 is measured against version 1 (5 units due, 3 completed: 60 %) and as
of 2025-09-30 against version 2 (6 due, 5 completed: 83.33 %). One of its tasks is carried out by
the polyclinic MUR-GP1 (whose mo_operator may update it) and one is an ongoing activity reported
quarter by quarter.

Written through the services (no HTTP) as a federal demo principal, with the service clock set to
the day each step happened; org units are checked against data/demo/org_units.csv (what kpi-api
loads) instead of a peer call. Idempotent: a database that already holds the Murmansk programme is
left as it is.
"""

from __future__ import annotations

import asyncio
import csv
import json
import re
import sys
from datetime import UTC, date, datetime
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
from roadmap_api.roadmaps.schemas import KpiLink, MeasureCreate, RoadmapCreate, StatusChange
from roadmap_api.roadmaps.service import RoadmapService
from roadmap_api.tasks.reports import ReportService
from roadmap_api.tasks.rules import Recurrence, RoadmapStatus, TaskStatus
from roadmap_api.tasks.schemas import ReportPut, TaskCreate, TaskUpdate
from roadmap_api.tasks.service import TaskService
from roadmap_api.versions.service import VersionService
from zdrav_shared.auth import Principal, Role
from zdrav_shared.clients.org_units import OrgUnitClient
from zdrav_shared.contracts.org_units import OrgUnitLevel, OrgUnitRef
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


class DemoOrgUnits(OrgUnitClient):
    """kpi-api's registry as ``make run`` loads it (data/demo/org_units.csv), without a peer call."""

    def __init__(self, path: Path) -> None:  # no HTTP client: everything is in the file
        with path.open(encoding="utf-8") as handle:
            rows = {row["code"]: row for row in csv.DictReader(handle)}
        self.units: dict[str, OrgUnitRef] = {}
        for code, row in rows.items():
            lineage = [code]
            while rows[lineage[0]]["parent_code"]:
                lineage.insert(0, rows[lineage[0]]["parent_code"])
            region = lineage[1] if len(lineage) > 1 else None
            self.units[code] = OrgUnitRef(
                code=code,
                name_ru=row["name_ru"],
                level=OrgUnitLevel(row["level"]),
                parent_code=row["parent_code"] or None,
                path=lineage,
                region_code=region,
                timezone=rows[region]["timezone"] or None if region else None,
            )

    async def get(self, code: str) -> OrgUnitRef | None:
        return self.units.get(code)


class DemoClock:
    """The services' clock during the demo load: each step happens on its own day."""

    def __init__(self) -> None:
        self.now = datetime(2025, 1, 20, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def on(self, day: date) -> None:
        self.now = datetime(day.year, day.month, day.day, 9, 0, tzinfo=UTC)


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


GOVERNOR = {"RU-MUR": "Губернатор Мурманской области", "RU-KYA": "Губернатор Красноярского края"}
AGENCY = "АНО «Агентство стратегических инициатив по продвижению новых проектов»"


async def load_roadmap(
    session: AsyncSession, org_units: OrgUnitClient, region: str, title: str, kpi_code: str, *, revise: bool
) -> None:
    clock = DemoClock()
    roadmaps = RoadmapService(session, DEMO, org_units, clock)
    tasks = TaskService(session, DEMO, org_units, clock)
    reports = ReportService(session, DEMO, clock)
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
    polyclinic = "MUR-GP1" if region == "RU-MUR" else None
    activity = await tasks.create(
        rid,
        TaskCreate(
            title="Маршрутизация пациентов с ССЗ",
            start_date=date(2025, 1, 15),
            due_date=date(2025, 9, 30),
            responsible="Министерство здравоохранения",
        ),
    )
    specs: list[tuple[str, date, date, str | None]] = [
        ("Утвердить схему маршрутизации", date(2025, 1, 15), date(2025, 3, 31), None),
        ("Открыть единый call-центр", date(2025, 2, 1), date(2025, 4, 30), None),
        ("Обучить операторов", date(2025, 3, 1), date(2025, 5, 31), polyclinic),
        ("Закупить оборудование ЦАОП", date(2025, 4, 1), date(2025, 6, 30), None),
    ]
    ids = []
    for name, start, due, unit in specs:
        created = await tasks.create(
            rid,
            TaskCreate(
                title=name,
                parent_id=activity.id,
                start_date=start,
                due_date=due,
                responsible="МИАЦ",
                responsible_bodies=["МИАЦ", "Министерство здравоохранения"] if unit is None else ["МИАЦ", unit],
                co_assignees=["ТФОМС"],
                org_unit_code=unit,
            ),
        )
        ids.append(created.id)
    monitoring = await tasks.create(
        rid,
        TaskCreate(
            title="Мониторинг удовлетворённости пациентов (ежеквартально)",
            parent_id=activity.id,
            start_date=date(2025, 4, 1),
            due_date=date(2025, 12, 31),
            responsible="МИАЦ",
            recurrence=Recurrence.ONGOING,
        ),
    )
    routing, call_centre, training, equipment = ids

    async def step(day: date, task_id: int, status: TaskStatus, completed: date | None = None) -> None:
        clock.on(day)
        await tasks.update(task_id, TaskUpdate(status=status, completed_on=completed), None)

    clock.on(date(2025, 2, 1))
    approval = StatusChange(
        status=RoadmapStatus.APPROVED,
        approved_by_governor=GOVERNOR[region],
        approved_by_agency=AGENCY,
        approval_document="Распоряжение от 01.02.2025",
    )
    await roadmaps.change_status(rid, approval, None)
    clock.on(date(2025, 2, 10))
    await roadmaps.change_status(rid, RoadmapStatus.IN_PROGRESS, None)
    await step(date(2025, 3, 25), routing, TaskStatus.DONE, date(2025, 3, 25))  # on time
    await step(date(2025, 3, 26), training, TaskStatus.IN_PROGRESS)
    await step(date(2025, 5, 20), call_centre, TaskStatus.DONE, date(2025, 5, 20))  # late
    await step(date(2025, 6, 10), equipment, TaskStatus.CANCELLED)  # after approval: still due
    clock.on(date(2025, 6, 28))
    await reports.put(monitoring.id, "2025Q2", ReportPut(completed_on=date(2025, 6, 28), note="Опрос: n = 412"))
    if not revise:
        return
    clock.on(date(2025, 7, 10))
    versions = VersionService(session, DEMO, clock)
    await versions.open_revision(
        rid,
        "Закупка оборудования ЦАОП перенесена в программу модернизации; обучение операторов продлено "
        "до 31.08.2025; добавлена запись через ЕПГУ; целевое значение КПЭ скорректировано",
        None,
    )
    await tasks.update(training, TaskUpdate(due_date=date(2025, 8, 31)), None)
    await tasks.create(
        rid,
        TaskCreate(
            title="Запустить запись к кардиологу через ЕПГУ",
            parent_id=activity.id,
            start_date=date(2025, 7, 15),
            due_date=date(2025, 9, 30),
            responsible="МИАЦ",
        ),
    )
    await roadmaps.replace_kpis(
        rid, [KpiLink(indicator_code=kpi_code, baseline="61.5", target="72", target_period="2025")], None
    )
    clock.on(date(2025, 7, 15))
    await roadmaps.change_status(
        rid, approval.model_copy(update={"approval_document": "Распоряжение от 15.07.2025"}), None
    )
    await step(date(2025, 8, 20), training, TaskStatus.DONE, date(2025, 8, 20))  # on time against version 2
    clock.on(date(2025, 9, 25))
    await reports.put(monitoring.id, "2025Q3", ReportPut(completed_on=date(2025, 9, 25)))


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
            units = DemoOrgUnits(ref.parent / "demo" / "org_units.csv")
            mur, kya = "Дорожная карта ЖС «ССЗ» — Мурманская область", "Дорожная карта ЖС «ССЗ» — Красноярский край"
            await load_roadmap(session, units, "RU-MUR", mur, "SAT_SHARE", revise=True)
            await load_roadmap(session, units, "RU-KYA", kya, "SAT_SHARE", revise=False)
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
