"""Cause notes («анализ факторов»): the explanation of a deviation from target, one per indicator, org
unit and period. Analytics shows it beside the row that requires it."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from kpi_api.audit.repository import AuditRepository
from kpi_api.indicators.service import IndicatorService
from kpi_api.models import CauseNote
from kpi_api.org_units.repository import OrgUnitRepository
from kpi_api.targets.schemas import CauseNotePut, CauseNoteRead
from zdrav_shared.auth import Principal
from zdrav_shared.logging import get_logger
from zdrav_shared.problems import NotFound, Unprocessable

log = get_logger(__name__)


class CauseNoteRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def for_rows(
        self, indicator_ids: Sequence[int], unit_ids: Sequence[int], periods: Sequence[str]
    ) -> dict[tuple[int, int, str], str]:
        """Notes by ``(indicator_id, org_unit_id, period)`` (analytics asks for a handful of keys)."""
        if not indicator_ids or not unit_ids or not periods:
            return {}
        n = CauseNote
        result = await self.session.execute(
            select(n.indicator_id, n.org_unit_id, n.period, n.note).where(
                n.indicator_id.in_(sorted(set(indicator_ids))),
                n.org_unit_id.in_(sorted(set(unit_ids))),
                n.period.in_(sorted(set(periods))),
            )
        )
        return {(i, u, p): note for i, u, p, note in result.all()}

    async def get(self, indicator_id: int, unit_id: int, period: str) -> CauseNote | None:
        result = await self.session.execute(
            select(CauseNote).where(
                CauseNote.indicator_id == indicator_id, CauseNote.org_unit_id == unit_id, CauseNote.period == period
            )
        )
        return result.scalar_one_or_none()


class CauseNoteService:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.repo = CauseNoteRepository(session)

    async def put(self, principal: Principal, code: str, body: CauseNotePut) -> CauseNoteRead:
        """Record (or replace) the cause note of an org unit in the caller's scope; audited."""
        indicator = await IndicatorService(self.session).get(code)
        unit = await OrgUnitRepository(self.session).get(body.org_unit_code)
        if unit is None:
            raise Unprocessable(f"unknown org unit {body.org_unit_code}", pointer="/org_unit_code")
        if not principal.covers([c for c in unit.path.split("/") if c]):
            raise NotFound(f"org unit {body.org_unit_code} not found")
        note = await self.repo.get(indicator.id, unit.id, body.period.code)
        before = None if note is None else {"note": note.note}
        if note is None:
            note = CauseNote(indicator_id=indicator.id, org_unit_id=unit.id, period=body.period.code)
            self.session.add(note)
        note.note, note.updated_by = body.note, principal.sub
        await self.session.flush()
        AuditRepository(self.session).record(
            "cause_note",
            note.id,
            "created" if before is None else "updated",
            principal.sub,
            before,
            {"note": body.note},
            None,
        )
        await self.session.flush()
        log.info("cause_note_recorded", indicator=code, org_unit=unit.code, period=note.period, by=principal.sub)
        return CauseNoteRead(
            indicator_code=indicator.code,
            org_unit_code=unit.code,
            period=note.period,
            note=note.note,
            updated_by=note.updated_by,
            updated_at=note.updated_at,
        )
