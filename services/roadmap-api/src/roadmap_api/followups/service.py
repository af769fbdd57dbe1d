"""Use cases of detractor follow-ups: open one (from a signed webhook or a service call), read them,
complete one, and the summary of a period. Never commits; the route does.

Opening is idempotent by ``response_id`` through the table's unique constraint, not a read before the
write: two deliveries of one response at once both try the insert, one wins, the other's insert
fails (PostgreSQL waits for the winner's commit first; SQLite has one writer) and it answers the
winner's follow-up. So a redelivery, a replay and a race all end with exactly one follow-up and one
task.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from roadmap_api.followups.repository import FollowupRepository
from roadmap_api.followups.rules import (
    Bucket,
    FollowupStatus,
    Tally,
    Target,
    bucket,
    due_date,
    has_comment,
    is_detractor,
    local_day,
    roll_up,
)
from roadmap_api.followups.schemas import DetractorIn, DetractorReceipt, FollowupRead
from roadmap_api.models import Followup, ImprovementComment
from roadmap_api.regions import Scope, org_unit_path, require_reader
from roadmap_api.tasks.rules import Recurrence, TaskStatus
from roadmap_api.tasks.schemas import TaskCreate, TaskUpdate
from roadmap_api.tasks.service import TaskService
from zdrav_shared.auth import FEDERATION_CODE, Principal, Role
from zdrav_shared.clients.org_units import OrgUnitClient
from zdrav_shared.contracts.followups import FollowupSummary, FollowupSummaryRow, SummaryLevel
from zdrav_shared.logging import get_logger
from zdrav_shared.periods import InvalidPeriod, Period
from zdrav_shared.problems import Conflict, Forbidden, NotFound, Unprocessable

log = get_logger(__name__)

# Who writes the task a follow-up opens on a roadmap: roadmap-api itself, journalled under this name.
SYSTEM = Principal(
    sub="roadmap-api:followups", roles=frozenset({Role.FEDERAL}), scope_org_units=frozenset({FEDERATION_CODE})
)
TASK_TITLE = "Ответить на отзыв пациента (NPS {nps}), {org_unit}"
RESPONSIBLE = "Руководитель медицинской организации"


class FollowupNotFound(NotFound):
    def __init__(self, followup_id: int) -> None:
        super().__init__(f"follow-up {followup_id} does not exist")


@dataclass(frozen=True, slots=True)
class State:
    """How a follow-up's work stands: when it was done (None while open)."""

    done_at: datetime | None


class FollowupService:
    def __init__(
        self,
        session: AsyncSession,
        principal: Principal,
        org_units: OrgUnitClient | None,
        clock: Callable[[], datetime],
    ) -> None:
        self.session = session
        self.repo = FollowupRepository(session)
        self.principal = principal
        self.scope = Scope.of(principal)
        self.org_units = org_units
        self.clock = clock

    # -- opening -----------------------------------------------------------------------------------

    async def open(self, detractor: DetractorIn, via: str, delivery_id: str | None = None) -> DetractorReceipt:
        """Open the follow-up of ``detractor`` (or answer the one it already has)."""
        if not is_detractor(detractor.nps):
            return DetractorReceipt(outcome="ignored", reason="not_a_detractor")
        if not has_comment(detractor.comment):
            return DetractorReceipt(outcome="ignored", reason="no_comment")
        existing = await self.repo.by_response(detractor.response_id)
        if existing is not None:
            return DetractorReceipt(outcome="existing", followup=await self.read_one(existing))
        # End the read before writing: on SQLite a transaction that read and then writes after another
        # writer committed fails instead of waiting; starting with the insert it waits its turn.
        await self.session.rollback()
        unit = await self.org_units.get(detractor.org_unit_code) if self.org_units else None
        if self.org_units is not None and (unit is None or unit.region_code is None):
            raise Unprocessable(
                f"there is no org unit {detractor.org_unit_code} in a region", pointer="/data/org_unit_code"
            )
        region = unit.region_code if unit and unit.region_code else detractor.org_unit_code.split("-")[0]
        lineage = unit.path if unit and unit.path else [FEDERATION_CODE, region, detractor.org_unit_code]
        timezone = unit.timezone if unit else None
        followup = Followup(
            response_id=detractor.response_id,
            campaign_code=detractor.campaign_code,
            org_unit_code=detractor.org_unit_code,
            org_unit_path=org_unit_path(lineage),
            region_code=region,
            timezone=timezone,
            channel=detractor.channel,
            nps=detractor.nps,
            comment=(detractor.comment or "").strip(),
            submitted_at=detractor.submitted_at,
            submitted_on=local_day(detractor.submitted_at, timezone),
            due_date=due_date(detractor.submitted_at, timezone),
            target=Target.UNASSIGNED.value,
            via=via,
            delivery_id=delivery_id,
        )
        self.repo.add(followup)
        try:
            await self.repo.flush()
        except IntegrityError:
            await self.session.rollback()
            winner = await self.repo.by_response(detractor.response_id)
            if winner is None:  # not the unique key: a real error
                raise
            return DetractorReceipt(outcome="existing", followup=await self.read_one(winner))
        await self._assign(followup, unit.name_ru if unit else detractor.org_unit_code)
        await self.repo.flush()
        log.info(
            "followup_opened",
            followup_id=followup.id,
            response_id=followup.response_id,
            target=followup.target,
            due_date=followup.due_date.isoformat(),
        )
        return DetractorReceipt(outcome="opened", followup=await self.read_one(followup))

    async def _assign(self, followup: Followup, org_unit_name: str) -> None:
        project = await self.repo.open_project(followup.region_code, followup.org_unit_code)
        if project is not None:
            followup.target = Target.IMPROVEMENT_PROJECT.value
            followup.improvement_project_id = project.id
            self.repo.add(
                ImprovementComment(
                    project_id=project.id,
                    author=SYSTEM.sub,
                    text=f"Отзыв пациента (NPS {followup.nps}), ответить до {followup.due_date:%d.%m.%Y}: "
                    f"{followup.comment}"[:5000],
                )
            )
            return
        roadmap = await self.repo.active_roadmap(followup.region_code, followup.org_unit_code)
        if roadmap is None:
            return
        tasks = TaskService(self.session, SYSTEM, self.org_units, self.clock)
        task = await tasks.create(
            roadmap.id,
            TaskCreate(
                title=TASK_TITLE.format(nps=followup.nps, org_unit=org_unit_name)[:1000],
                start_date=followup.submitted_on,
                due_date=followup.due_date,
                responsible=RESPONSIBLE,
                expected_result=f"Отзыв: {followup.comment}"[:5000],
                org_unit_code=followup.org_unit_code,
                recurrence=Recurrence.ONCE,
            ),
        )
        followup.target = Target.ROADMAP.value
        followup.roadmap_id, followup.task_id = roadmap.id, task.id

    # -- reading -------------------------------------------------------------------------------------

    async def _states(self, followups: list[Followup]) -> dict[int, State]:
        task_done = await self.repo.tasks_done_at([f.task_id for f in followups if f.task_id is not None])
        states = {}
        for f in followups:
            if f.task_id is not None:
                done_at = task_done.get(f.task_id)
                # The task's state rules: done through /v1/tasks counts from its journal, and a task
                # reopened since is open again whatever the follow-up recorded.
                states[f.id] = State((f.completed_at or done_at) if done_at is not None else None)
            else:
                states[f.id] = State(f.completed_at)
        return states

    def _read(self, followup: Followup, state: State) -> FollowupRead:
        today = local_day(self.clock(), followup.timezone)
        where = bucket(followup.submitted_at, state.done_at, followup.due_date, today)
        return FollowupRead(
            id=followup.id,
            response_id=followup.response_id,
            campaign_code=followup.campaign_code,
            org_unit_code=followup.org_unit_code,
            region_code=followup.region_code,
            channel=followup.channel,
            nps=followup.nps,
            comment=followup.comment,
            submitted_at=followup.submitted_at,
            due_date=followup.due_date,
            target=Target(followup.target),
            improvement_project_id=followup.improvement_project_id,
            roadmap_id=followup.roadmap_id,
            task_id=followup.task_id,
            status=FollowupStatus.DONE if state.done_at is not None else FollowupStatus.OPEN,
            done_at=state.done_at,
            within_48h=None if state.done_at is None else where is Bucket.WITHIN_48H,
            overdue=where is Bucket.OVERDUE,
            resolution=followup.resolution,
            via=followup.via,
            created_at=followup.created_at,
        )

    async def read_one(self, followup: Followup) -> FollowupRead:
        return self._read(followup, (await self._states([followup]))[followup.id])

    async def get(self, followup_id: int) -> FollowupRead:
        followup = await self.repo.get(followup_id, self.scope)
        if followup is None:
            raise FollowupNotFound(followup_id)
        return await self.read_one(followup)

    async def page(
        self, region: str | None, org_unit: str | None, after_id: int | None, limit: int
    ) -> list[FollowupRead]:
        rows = await self.repo.page(self.scope, region, org_unit, after_id, limit)
        states = await self._states(rows)
        return [self._read(f, states[f.id]) for f in rows]

    # -- completing ----------------------------------------------------------------------------------

    async def complete(self, followup_id: int, resolution: str | None) -> FollowupRead:
        """Mark the work done now: the roadmap task too, through the task rules (an ``mo_operator`` of
        the org unit may). Done already: answered as it stands."""
        followup = await self.repo.get(followup_id, self.scope)
        if followup is None:
            raise FollowupNotFound(followup_id)
        state = (await self._states([followup]))[followup.id]
        if state.done_at is not None:
            return self._read(followup, state)
        now = self.clock()
        if followup.task_id is not None:
            tasks = TaskService(self.session, self.principal, self.org_units, self.clock)
            task, roadmap = await tasks.load(followup.task_id)
            if task.status == TaskStatus.CANCELLED.value:
                raise Conflict(f"task {task.id} of this follow-up is cancelled: reopen it first")
            today = local_day(now, roadmap.timezone or followup.timezone)
            await tasks.update(task.id, TaskUpdate(status=TaskStatus.DONE, completed_on=today), None)
        followup.completed_at = now
        followup.completed_by = self.principal.sub
        followup.resolution = resolution
        await self.repo.flush()
        return self._read(followup, State(now))

    # -- the summary ---------------------------------------------------------------------------------

    async def summary(self, period_text: str, region: str | None, by_org_unit: bool) -> FollowupSummary:
        try:
            period = Period.parse(period_text)
        except InvalidPeriod as exc:
            raise Unprocessable(str(exc), pointer="/query/period") from exc
        if region is not None:
            require_reader(self.principal, region)
        elif not self.principal.is_federal:
            raise Forbidden("name the region (region=…): yours is not the whole federation")
        rows = await self.repo.in_period(self.scope, region, period.start, period.end)
        states = await self._states(rows)
        now = self.clock()
        units: dict[tuple[str, str], Tally] = {}
        for f in rows:
            where = bucket(f.submitted_at, states[f.id].done_at, f.due_date, local_day(now, f.timezone))
            units.setdefault((f.region_code, f.org_unit_code), Tally()).count(where)
        regions: dict[str, list[Tally]] = {}
        for (region_code, _), tally in units.items():
            regions.setdefault(region_code, []).append(tally)
        if region is not None:
            regions.setdefault(region, [])
        out: list[FollowupSummaryRow] = []
        for region_code in sorted(regions):
            if by_org_unit:
                for (r, code), tally in sorted(units.items()):
                    if r == region_code:
                        out.append(_row(code, region_code, SummaryLevel.ORG_UNIT, period, tally))
            out.append(_row(region_code, region_code, SummaryLevel.REGION, period, roll_up(regions[region_code])))
        if region is None:
            out.append(_row(FEDERATION_CODE, None, SummaryLevel.FEDERATION, period, roll_up(units.values())))
        return FollowupSummary(period=period.code, as_of=now, rows=out)


def _row(code: str, region: str | None, level: SummaryLevel, period: Period, tally: Tally) -> FollowupSummaryRow:
    return FollowupSummaryRow(
        org_unit_code=code,
        region_code=region,
        level=level,
        period=period.code,
        detractors=tally.detractors,
        followed_up_48h=tally.within_48h,
        share=tally.share,
        done_late=tally.done_late,
        pending=tally.pending,
        overdue=tally.overdue,
    )
