"""Demo content of the programme workflows for ``make run``: the two Krasnoyarsk "Регион & Университет"
sessions as they were run (data/reference/krasnoyarsk_sessions.json) with votes cast by the
participants themselves through their voting tokens, the Murmansk regional primary-care centre with
its members and compliance report, and an escalation.

What the source gives is used as given: 13 groups of 10 (7 chief physicians, one each from the
ministry, the insurance fund and a medical college) and 110 young doctors in 10 groups; three sections
in session 1 with four winners (one tie); the best three in session 2; 7 projects selected. What it
does not give is filled and marked so: the titles of the projects that did not win ("Проект рабочей
группы N"), session 2's number of projects (11, so that the total is "более 23"), the points of
each ballot (a pattern that reproduces the printed winners and the tie), session 2's voting window
(March 2022, inside the project's period) and the people of the regional centre (positions only).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from roadmap_api.escalations.schemas import AnswerCreate, EscalationCreate, MessageCreate
from roadmap_api.escalations.service import EscalationService
from roadmap_api.models import ImprovementProject
from roadmap_api.regional_centres.schemas import CentreCreate, MemberCreate
from roadmap_api.regional_centres.service import CentreService
from roadmap_api.sessions.flow_schemas import (
    CategoryRuleIn,
    CompositionRulesIn,
    ObserverCreate,
    ProjectStatusChange,
    VotingTokenCreate,
)
from roadmap_api.sessions.flows import SessionFlowService
from roadmap_api.sessions.pipeline import ProjectStatus
from roadmap_api.sessions.rules import VotingMode
from roadmap_api.sessions.schemas import (
    BallotCreate,
    GroupCreate,
    ParticipantCategory,
    ParticipantCreate,
    ProjectCreate,
    SectionCreate,
    SessionCreate,
)
from roadmap_api.sessions.service import StrategicSessionService
from roadmap_api.sessions.tokens import authenticate
from zdrav_shared.auth import Principal, Role

REGION = "RU-KYA"
SESSION_1_VOTE = datetime(2021, 11, 20, 12, tzinfo=UTC)
SESSION_2_VOTE = datetime(2022, 3, 1, 12, tzinfo=UTC)  # not in the source: inside the project's period

CATEGORY_RU = {
    "главный врач": ParticipantCategory.CHIEF_PHYSICIAN,
    "представитель министерства здравоохранения Красноярского края": ParticipantCategory.MINISTRY,
    "представитель ТФОМС Красноярского края": ParticipantCategory.INSURANCE_FUND,
    "представитель медицинских образовательных учреждений среднего профессионального образования": (
        ParticipantCategory.COLLEGE
    ),
}


async def _vote(
    session: AsyncSession,
    demo: Principal,
    sid: int,
    participant_id: int,
    ballots: list[tuple[str, BallotCreate]],
    at: datetime,
) -> None:
    """The participant's own token, then each ballot cast with it (as from their phone)."""
    issued = await SessionFlowService(session, demo).issue_voting_token(
        sid, participant_id, VotingTokenCreate(), now=at
    )
    grant = await authenticate(session, issued.token, now=at)
    own = Principal(sub=f"session-token:{grant.token_id}", roles=frozenset(), scope_org_units=frozenset())
    service = StrategicSessionService(session, own, grant=grant)
    for section, ballot in ballots:
        await service.cast_ballot(sid, section, ballot, now=at)


async def _select(flows: SessionFlowService, sid: int, project_id: int, *steps: ProjectStatusChange) -> None:
    for step in steps:
        await flows.change_status(sid, project_id, step)


async def load_first_session(session: AsyncSession, demo: Principal, facts: dict[str, Any]) -> None:
    first = facts["sessions"][0]
    service = StrategicSessionService(session, demo)
    flows = SessionFlowService(session, demo)
    created = await service.create(
        SessionCreate(
            region_code=REGION,
            held_on=date(2021, 11, 20),  # the source gives the month only (November 2021)
            theme=f"{first['name_ru']} — {first['date_text_ru']}",
            organisers=facts["organising_committee_ru"][:10],
        )
    )
    sid = created.id
    rules = [
        CategoryRuleIn(category=CATEGORY_RU[c["role_ru"]], min=c["count_per_group"], max=c["count_per_group"])
        for c in first["group_composition"]
    ]
    size = first["participants_per_group"]
    await flows.set_rules(sid, CompositionRulesIn(categories=rules, group_size_min=size, group_size_max=size))
    for name in first["observers_ru"]:
        await flows.add_observer(sid, ObserverCreate(name=name[:300]))
    opens, closes = datetime(2021, 11, 1, tzinfo=UTC), datetime(2021, 12, 1, tzinfo=UTC)
    # 13 groups, one project each: groups 1–4 in section 1, 5–9 in section 2, 10–13 in section 3.
    spans = [range(1, 5), range(5, 10), range(10, 14)]
    winners: list[list[int]] = []
    group_no = 0
    projects: dict[str, list[str]] = {}
    participants: list[int] = []
    for n, (section_facts, span) in enumerate(zip(first["winners"], spans, strict=True), start=1):
        code = f"S{n}"
        await service.add_section(
            sid,
            SectionCreate(
                code=code,
                title=section_facts["section_ru"],
                voting_mode=VotingMode.POINTS,
                opens_at=opens,
                closes_at=closes,
                max_total_points=3,
                max_points_per_project=2,
            ),
        )
        titles = list(section_facts["projects_ru"])
        projects[code] = []
        ids = []
        for k, _ in enumerate(span):
            group_no += 1
            group = await service.add_group(
                sid, GroupCreate(name=f"Рабочая группа {group_no}", moderator="КрасГМУ", section_code=code)
            )
            title = titles[k] if k < len(titles) else f"Проект рабочей группы {group_no}"
            project = await service.add_project(
                sid, ProjectCreate(code=f"{code}-P{k + 1}", title=title, section_code=code, group_id=group.id)
            )
            projects[code].append(project.code)
            ids.append(project.id)
            for composition in first["group_composition"]:
                for m in range(composition["count_per_group"]):
                    person = await service.add_participant(
                        sid,
                        ParticipantCreate(
                            name=f"{composition['role_ru'][:120]} {m + 1} (группа {group_no})",
                            category=CATEGORY_RU[composition["role_ru"]],
                            group_id=group.id,
                        ),
                    )
                    participants.append(person.id)
        winners.append(ids[: len(titles)])
    # Every participant votes in every section: 2 points to a winner (taking turns where two tied),
    # 1 point to another project of the section — the printed winners, and the tie, result.
    for i, pid in enumerate(participants):
        ballots = []
        for n, (code, codes) in enumerate(projects.items()):
            n_winners = len(first["winners"][n]["projects_ru"])
            favourite = codes[i % n_winners]
            others = codes[n_winners:]
            ballots.append((code, BallotCreate(points={favourite: 2, others[i % len(others)]: 1})))
        await _vote(session, demo, sid, pid, ballots, SESSION_1_VOTE)
    review = ProjectStatusChange(status=ProjectStatus.COMMISSION_REVIEW, reason=first["follow_up_ru"][:2000])
    for ids in winners:
        for project_id in ids:
            await _select(flows, sid, project_id, ProjectStatusChange(status=ProjectStatus.SELECTED), review)


async def load_second_session(session: AsyncSession, demo: Principal, facts: dict[str, Any]) -> None:
    second = facts["sessions"][1]
    service = StrategicSessionService(session, demo)
    flows = SessionFlowService(session, demo)
    created = await service.create(
        SessionCreate(region_code=REGION, held_on=None, theme=second["name_ru"], organisers=["КрасГМУ"])
    )
    sid = created.id
    per_group = second["participants_total_stated"] // second["groups"]
    await flows.set_rules(sid, CompositionRulesIn(categories=[], group_size_min=per_group, group_size_max=per_group))
    await service.add_section(
        sid,
        SectionCreate(
            code="Y",
            title="Молодёжная секция: те же проблемные зоны",
            voting_mode=VotingMode.SINGLE_CHOICE,
            opens_at=SESSION_2_VOTE - timedelta(hours=2),
            closes_at=SESSION_2_VOTE + timedelta(hours=2),
            top_n=second["voting"]["selected_best"],
        ),
    )
    codes, ids, participants = [], [], []
    for g in range(1, second["groups"] + 1):
        group = await service.add_group(sid, GroupCreate(name=f"Группа {g}", moderator="КрасГМУ", section_code="Y"))
        project = await service.add_project(
            sid,
            ProjectCreate(code=f"Y-P{g}", title=f"Проект молодёжной группы {g}", section_code="Y", group_id=group.id),
        )
        codes.append(project.code)
        ids.append(project.id)
        for m in range(per_group):
            person = await service.add_participant(
                sid,
                ParticipantCreate(
                    name=f"Молодой врач {m + 1} (группа {g})",
                    category=ParticipantCategory.YOUNG_DOCTOR,
                    group_id=group.id,
                ),
            )
            participants.append(person.id)
    # An 11th project (the source's total is "более 23"), drafted by group 1.
    extra = await service.add_project(
        sid, ProjectCreate(code="Y-P11", title="Проект группы 1 (второй)", section_code="Y")
    )
    codes.append(extra.code)
    # Online vote: 30, 25 and 20 votes for the best three, the rest spread.
    choices = [codes[0]] * 30 + [codes[1]] * 25 + [codes[2]] * 20
    choices += [codes[3 + i % 8] for i in range(len(participants) - len(choices))]
    for pid, choice in zip(participants, choices, strict=True):
        await _vote(session, demo, sid, pid, [("Y", BallotCreate(choice=choice))], SESSION_2_VOTE)
    refine = ProjectStatusChange(
        status=ProjectStatus.REFINEMENT, refinement_due=date(2022, 4, 1), reason=second["refinement_period_ru"]
    )
    for project_id in ids[:3]:
        await _select(
            flows,
            sid,
            project_id,
            ProjectStatusChange(status=ProjectStatus.SELECTED),
            refine,
            ProjectStatusChange(status=ProjectStatus.COMMISSION_REVIEW),
        )


async def load_regional_centre(session: AsyncSession, demo: Principal) -> None:
    """The Murmansk centre: the head and two specialists curating five organisations, and a new
    member without polyclinics yet — its compliance report shows what that breaks."""
    service = CentreService(session, demo)
    centre = await service.create(
        CentreCreate(
            region_code="RU-MUR",
            name_ru="Региональный центр организации первичной медико-санитарной помощи Мурманской области",
            host_org_code="MUR-ROKB",
            act="Приказ Министерства здравоохранения Мурманской области (демонстрационные данные)",
        )
    )
    members = [
        ("Руководитель регионального центра", True, True, ["MUR-GP1", "MUR-DGP1"], True),
        ("Врач-методист", False, True, ["MUR-MON-CGB", "MUR-APA-CGB"], True),
        ("Специалист по бережливому производству", False, False, ["MUR-KOL-CRB"], "ГОБУЗ МОКБ им. П.А. Баяндина"),
        ("Специалист (принят, поликлиники не закреплены)", False, True, [], True),
    ]
    for position, head, educated, polyclinics, main_job in members:
        await service.add_member(
            centre.id,
            MemberCreate(
                name=position,
                position=position,
                is_head=head,
                medical_education=educated,
                site_time_pct=40,
                main_job=main_job,
                polyclinic_codes=polyclinics,
                changed_on=date(2025, 3, 3),
            ),
        )


async def load_escalation(session: AsyncSession, demo: Principal) -> None:
    project = await session.get(ImprovementProject, 1)
    if project is None:
        return
    service = EscalationService(session, demo)
    escalation = await service.create(
        EscalationCreate(
            subject_kind="improvement_project",
            improvement_project_id=project.id,
            title="Нет ставки администратора регистратуры",
            description="Открытая регистратура требует ставки администратора; в штатном расписании её нет.",
        )
    )
    await service.answer(escalation.id, AnswerCreate(text="Региональный центр: нужна ставка в штатном расписании"))
    await service.raise_level(escalation.id, MessageCreate(text="Ставку утверждает министерство"))


def federal_reviewer() -> Principal:
    """A second federal user: the demo's passport approval is not by who submitted it."""
    return Principal(sub="demo-reviewer", roles=frozenset({Role.FEDERAL}), scope_org_units=frozenset({"RU"}))
