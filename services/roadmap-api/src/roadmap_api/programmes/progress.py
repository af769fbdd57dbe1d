"""Use cases of programme volumes, activity progress and execution at a date. Flushes, never commits."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from roadmap_api.audit.recorder import Audit
from roadmap_api.models import ActivityProgress, ProgrammeItem, ProgrammeVolume
from roadmap_api.programmes import execution_rules as ex
from roadmap_api.programmes import rules
from roadmap_api.programmes.progress_schemas import (
    ObligationRead,
    ProgrammeExecutionRead,
    ProgressIn,
    ProgressRead,
    VolumeIn,
    VolumeRead,
)
from roadmap_api.programmes.repository import ProgrammeRepository
from roadmap_api.programmes.service import ProgrammeService
from zdrav_shared.auth import Principal
from zdrav_shared.orm import utcnow
from zdrav_shared.problems import FieldError, NotFound, Unprocessable

ENTITY = "programme"


def volume_read(v: ProgrammeVolume) -> VolumeRead:
    pct = None
    if v.planned is not None and v.actual is not None and v.planned > 0:
        pct = (v.actual * 100 / v.planned).quantize(Decimal("0.01"), ROUND_HALF_UP)
    return VolumeRead(
        activity_no=v.activity_no,
        name_ru=v.name_ru,
        unit=v.unit,
        year=v.year,
        planned=v.planned,
        actual=v.actual,
        done_pct=pct,
    )


def activity_of(item: ProgrammeItem) -> ex.Activity:
    return ex.Activity(
        item.number,
        rules.Term(rules.TermKind(item.start_kind), item.start_date, item.start_text),
        rules.Term(rules.TermKind(item.end_kind), item.end_date, item.end_text),
    )


class ProgrammeProgressService:
    def __init__(self, session: AsyncSession, principal: Principal) -> None:
        self.programmes = ProgrammeService(session, principal)
        self.repo: ProgrammeRepository = self.programmes.repo
        self.principal = principal
        self.audit = Audit(session, principal.sub)

    async def _activities(self, programme_id: int) -> dict[int, ProgrammeItem]:
        return {i.number: i for i in await self.repo.items(programme_id) if i.level == rules.PlanLevel.ACTIVITY}

    async def replace_volumes(self, programme_id: int, items: Sequence[VolumeIn]) -> list[VolumeRead]:
        programme = await self.programmes.load(programme_id, write=True)
        activities = await self._activities(programme.id)
        errors: list[FieldError] = []
        seen: set[tuple[int, str, int]] = set()
        for n, v in enumerate(items):
            if v.activity_no not in activities:
                errors.append(
                    FieldError(
                        pointer=f"/items/{n}/activity_no", message=f"activity {v.activity_no} is not in the plan"
                    )
                )
            if not programme.start_year <= v.year <= programme.end_year:
                errors.append(
                    FieldError(
                        pointer=f"/items/{n}/year",
                        message=f"{v.year} is outside {programme.start_year}–{programme.end_year}",
                    )
                )
            key = (v.activity_no, v.name_ru, v.year)
            if key in seen:
                errors.append(
                    FieldError(
                        pointer=f"/items/{n}", message=f"{v.name_ru} of {v.activity_no} in {v.year} is given twice"
                    )
                )
            seen.add(key)
        if errors:
            raise Unprocessable(f"{len(errors)} volume(s) are not valid; nothing was applied", errors=errors)
        before = [volume_read(v).model_dump(mode="json") for v in await self.repo.volumes(programme.id)]
        await self.repo.clear_volumes(programme.id)
        rows = [ProgrammeVolume(programme_id=programme.id, **v.model_dump()) for v in items]
        self.repo.add(*rows)
        programme.version += 1
        await self.repo.flush()
        self.audit.event(
            region_code=programme.region_code,
            entity=ENTITY,
            entity_id=programme.id,
            action="volumes_replaced",
            before=before,
            after=[v.model_dump(mode="json") for v in items],
        )
        return [volume_read(v) for v in rows]

    async def volumes(self, programme_id: int) -> list[VolumeRead]:
        programme = await self.programmes.load(programme_id)
        return [volume_read(v) for v in await self.repo.volumes(programme.id)]

    async def report(self, programme_id: int, activity_no: int, data: ProgressIn) -> ActivityProgress:
        programme = await self.programmes.load(programme_id, write=True)
        item = (await self._activities(programme.id)).get(activity_no)
        if item is None:
            raise NotFound(f"programme {programme.id} has no activity {activity_no}")
        try:
            period = ex.period_of(activity_of(item), data.year)
        except ValueError as error:
            raise Unprocessable(str(error), pointer="/year") from error
        if data.year is not None and not programme.start_year <= data.year <= programme.end_year:
            raise Unprocessable(f"{data.year} is outside {programme.start_year}–{programme.end_year}", pointer="/year")
        if (data.status is ex.ProgressStatus.DONE) != (data.completed_on is not None):
            raise Unprocessable("completed_on goes with status done, and only with it", pointer="/completed_on")
        # Russia's local dates run at most a day ahead of UTC: a later one has not happened yet.
        if data.completed_on is not None and data.completed_on > datetime.now(UTC).date() + timedelta(days=1):
            raise Unprocessable(f"completed_on {data.completed_on} is in the future", pointer="/completed_on")
        row = await self.repo.progress(programme.id, activity_no, period)
        before = (
            {"status": row.status, "completed_on": row.completed_on, "comment": row.comment} if row is not None else {}
        )
        if row is None:
            row = ActivityProgress(programme_id=programme.id, activity_no=activity_no, period=period)
            self.repo.add(row)
        row.status = data.status.value
        row.completed_on = data.completed_on
        row.comment = data.comment
        row.updated_by = self.principal.sub
        row.updated_at = utcnow()
        await self.repo.flush()
        self.audit.event(
            region_code=programme.region_code,
            entity=ENTITY,
            entity_id=programme.id,
            action="activity_progress",
            before={"activity_no": activity_no, "period": period, **before} if before else None,
            after={
                "activity_no": activity_no,
                "period": period,
                "status": row.status,
                "completed_on": row.completed_on,
                "comment": row.comment,
            },
        )
        return row

    async def progress(self, programme_id: int) -> list[ActivityProgress]:
        programme = await self.programmes.load(programme_id)
        return await self.repo.all_progress(programme.id)

    async def execution(self, programme_id: int, as_of: date) -> ProgrammeExecutionRead:
        programme = await self.programmes.load(programme_id)
        activities = [activity_of(i) for i in (await self._activities(programme.id)).values()]
        reports = {
            (p.activity_no, p.period): ex.Progress(ex.ProgressStatus(p.status), p.completed_on)
            for p in await self.repo.all_progress(programme.id)
        }
        result = ex.execute(activities, reports, as_of, programme.start_year, programme.end_year)
        return ProgrammeExecutionRead(
            programme_id=programme.id,
            as_of=as_of,
            due=result.due,
            completed_on_time=result.completed_on_time,
            completed_late=result.completed_late,
            overdue=result.overdue,
            cancelled=result.cancelled,
            execution_pct=result.execution_pct,
            threshold_pct=ex.THRESHOLD_PCT,
            meets_threshold=result.meets_threshold,
            ongoing_activities=sorted(result.ongoing),
            obligations=[
                ObligationRead(
                    activity_no=c.obligation.activity_no,
                    period=c.obligation.period,
                    due_on=c.obligation.due_on,
                    outcome=c.outcome,
                )
                for c in sorted(result.counted, key=lambda c: (c.obligation.due_on, c.obligation.activity_no))
            ],
            volumes=[volume_read(v) for v in await self.repo.volumes(programme.id) if v.year <= as_of.year],
        )


def progress_read(row: ActivityProgress) -> ProgressRead:
    return ProgressRead(
        activity_no=row.activity_no,
        period=row.period,
        status=ex.ProgressStatus(row.status),
        completed_on=row.completed_on,
        comment=row.comment,
        updated_by=row.updated_by,
        updated_at=row.updated_at,
    )
