"""Use cases of programme plans and financing. Flushes, never commits."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from roadmap_api.audit.recorder import Audit
from roadmap_api.models import DeclaredTotal, FinancingLine, Programme, ProgrammeItem
from roadmap_api.programmes import rules
from roadmap_api.programmes.errors import ProgrammeCodeTaken, ProgrammeNotFound
from roadmap_api.programmes.repository import ProgrammeRepository
from roadmap_api.programmes.schemas import (
    ActivityAmount,
    FinancingLineRead,
    FinancingReplace,
    FinancingTotals,
    FinancingWarning,
    Kbk,
    PlanItemIn,
    PlanItemRead,
    ProgrammeCreate,
    SourceAmount,
    TermIn,
    UnfinancedActivity,
    YearAmount,
)
from roadmap_api.regions import in_scope, readable_regions, require_reader, require_writer, resolve_region
from zdrav_shared.auth import Principal, Role, require_role
from zdrav_shared.clients.org_units import OrgUnitClient
from zdrav_shared.logging import get_logger
from zdrav_shared.problems import FieldError, Unprocessable

log = get_logger(__name__)


def _term(term: TermIn) -> rules.Term:
    return rules.Term(term.kind, term.on, term.text)


def _plan_item(item: PlanItemIn) -> rules.PlanItem:
    return rules.PlanItem(
        level=item.level,
        number=item.number,
        goal_no=item.goal_no,
        task_no=item.task_no,
        title_ru=item.title_ru,
        start=_term(item.start),
        end=_term(item.end),
        responsible_ru=item.responsible_ru,
        result_ru=item.result_ru,
    )


def plan_item_read(row: ProgrammeItem) -> PlanItemRead:
    return PlanItemRead(
        level=rules.PlanLevel(row.level),
        number=row.number,
        goal_no=row.goal_no,
        task_no=row.task_no,
        title_ru=row.title_ru,
        start=TermIn(kind=rules.TermKind(row.start_kind), on=row.start_date, text=row.start_text),
        end=TermIn(kind=rules.TermKind(row.end_kind), on=row.end_date, text=row.end_text),
        responsible_ru=row.responsible_ru,
        result_ru=row.result_ru,
        responsible_bodies=list(row.responsible_bodies) if row.responsible_bodies is not None else None,
        no_financing_needed=row.no_financing_needed,
    )


class ProgrammeService:
    def __init__(self, session: AsyncSession, principal: Principal, org_units: OrgUnitClient | None = None) -> None:
        self.repo = ProgrammeRepository(session)
        self.principal = principal
        self.org_units = org_units
        self.audit = Audit(session, principal.sub)

    async def load(self, programme_id: int, *, write: bool = False) -> Programme:
        programme = await self.repo.get(programme_id)
        if programme is None or not in_scope(self.principal, programme.region_code):  # another region's: as if absent
            raise ProgrammeNotFound(programme_id)
        if write:
            require_writer(self.principal, programme.region_code)
        else:
            require_reader(self.principal, programme.region_code)
        return programme

    async def create(self, data: ProgrammeCreate) -> Programme:
        require_role(self.principal, Role.FEDERAL, Role.REGIONAL_ADMIN)
        region = await resolve_region(self.org_units, data.region_code)
        require_writer(self.principal, data.region_code, region.path if region else None)
        if await self.repo.by_code(data.code) is not None:
            raise ProgrammeCodeTaken(data.code)
        programme = Programme(**data.model_dump(), version=1)
        self.repo.add(programme)
        await self.repo.flush()
        log.info("programme_created", programme_id=programme.id, by=self.principal.sub)
        return programme

    async def list_programmes(self, after_id: int | None, limit: int) -> list[Programme]:
        return await self.repo.list_programmes(readable_regions(self.principal), after_id, limit)

    async def replace_plan(self, programme_id: int, items: Sequence[PlanItemIn]) -> list[ProgrammeItem]:
        programme = await self.load(programme_id, write=True)
        plan = [_plan_item(i) for i in items]
        index = {(p.level, p.number): n for n, p in enumerate(plan)}
        problems = rules.check_plan(plan)
        misplaced = [
            FieldError(pointer=f"/items/{n}/no_financing_needed", message="only an activity is financed (or not)")
            for n, i in enumerate(items)
            if i.no_financing_needed and i.level is not rules.PlanLevel.ACTIVITY
        ]
        if misplaced:
            raise Unprocessable(misplaced[0].message, errors=misplaced)
        if problems:
            raise Unprocessable(
                f"{len(problems)} problem(s) in the plan; nothing was applied",
                errors=[
                    FieldError(
                        pointer=f"/items/{index.get((p.level, p.number), 0)}",
                        message=f"{p.level} {p.number}: {p.message}",
                    )
                    for p in problems
                ],
            )
        await self.repo.clear_plan(programme.id)
        rows = [
            ProgrammeItem(
                programme_id=programme.id,
                level=i.level.value,
                number=i.number,
                goal_no=i.goal_no,
                task_no=i.task_no,
                title_ru=i.title_ru,
                start_kind=i.start.kind.value,
                start_date=i.start.on,
                start_text=i.start.text,
                end_kind=i.end.kind.value,
                end_date=i.end.on,
                end_text=i.end.text,
                responsible_ru=i.responsible_ru,
                result_ru=i.result_ru,
                responsible_bodies=list(i.responsible_bodies) if i.responsible_bodies is not None else None,
                no_financing_needed=i.no_financing_needed,
            )
            for i in items
        ]
        self.repo.add(*rows)
        programme.version += 1
        await self.repo.flush()
        self.audit.event(
            region_code=programme.region_code,
            entity="programme",
            entity_id=programme.id,
            action="plan_replaced",
            after={"items": len(rows), "activities": sum(1 for r in rows if r.level == rules.PlanLevel.ACTIVITY)},
        )
        return rows

    async def replace_financing(self, programme_id: int, data: FinancingReplace) -> FinancingTotals:
        programme = await self.load(programme_id, write=True)
        activities = set((await self.repo.activity_titles(programme.id)).keys())
        years = range(programme.start_year, programme.end_year + 1)
        errors: list[FieldError] = []
        seen: set[tuple[int, str, int]] = set()
        for n, line in enumerate(data.lines):
            where = f"/lines/{n}"
            if line.source is rules.FundingSource.TOTAL:
                errors.append(FieldError(pointer=f"{where}/source", message="`total` is computed; send it as declared"))
            if line.year not in years:
                errors.append(
                    FieldError(pointer=f"{where}/year", message=f"{line.year} is outside {years[0]}–{years[-1]}")
                )
            if activities and line.activity_no not in activities:
                errors.append(
                    FieldError(
                        pointer=f"{where}/activity_no", message=f"activity {line.activity_no} is not in the plan"
                    )
                )
            key = (line.activity_no, line.source.value, line.year)
            if key in seen:
                errors.append(
                    FieldError(pointer=where, message=f"activity {key[0]}, {key[1]}, {key[2]} is given twice")
                )
            seen.add(key)
        for n, total in enumerate(data.declared):
            if total.year is not None and total.year not in years:
                errors.append(
                    FieldError(pointer=f"/declared/{n}/year", message=f"{total.year} is outside the programme")
                )
        if errors:
            raise Unprocessable(f"{len(errors)} financing line(s) are not valid; nothing was applied", errors=errors)
        # A printed total that does not add up is stored as printed: the answer's `warnings` name it.
        await self.repo.clear_financing(programme.id)
        self.repo.add(
            *(
                FinancingLine(
                    programme_id=programme.id,
                    activity_no=x.activity_no,
                    source=x.source.value,
                    year=x.year,
                    amount=x.amount,
                    kbk=x.kbk.model_dump() if x.kbk is not None else None,
                )
                for x in data.lines
            ),
            *(
                DeclaredTotal(
                    programme_id=programme.id,
                    activity_no=d.activity_no,
                    source=d.source.value,
                    year=d.year,
                    amount=d.amount,
                )
                for d in data.declared
            ),
        )
        programme.version += 1
        await self.repo.flush()
        log.info(
            "programme_financing_replaced", programme_id=programme.id, lines=len(data.lines), by=self.principal.sub
        )
        totals = await self.totals(programme.id)
        self.audit.event(
            region_code=programme.region_code,
            entity="programme",
            entity_id=programme.id,
            action="financing_replaced",
            after={"lines": len(data.lines), "declared": len(data.declared), "total": totals.total},
            reason=f"{len(totals.warnings)} warning(s)" if totals.warnings else None,
        )
        return totals

    async def totals(self, programme_id: int) -> FinancingTotals:
        programme = await self.load(programme_id)
        titles = await self.repo.activity_titles(programme.id)
        items = [i for i in await self.repo.items(programme.id) if i.level == rules.PlanLevel.ACTIVITY]
        not_needed = {i.number for i in items if i.no_financing_needed}
        lines = [
            rules.FinancingLine(x.activity_no, rules.FundingSource(x.source), x.year, x.amount)
            for x in await self.repo.lines(programme.id)
        ]
        declared = [
            rules.DeclaredAmount(d.activity_no, rules.FundingSource(d.source), d.year, d.amount)
            for d in await self.repo.declared(programme.id)
        ]
        financed = {x.activity_no for x in lines}
        return FinancingTotals(
            programme_id=programme.id,
            total=await self.repo.total(programme.id),
            by_year=[YearAmount(year=y, amount=a) for y, a in await self.repo.by_year(programme.id)],
            by_source=[
                SourceAmount(source=rules.FundingSource(s), amount=a)
                for s, a in await self.repo.by_source(programme.id)
            ],
            by_activity=[
                ActivityAmount(activity_no=n, title_ru=titles.get(n), amount=a, no_financing_needed=n in not_needed)
                for n, a in await self.repo.by_activity(programme.id)
            ],
            unfinanced=[
                UnfinancedActivity(activity_no=i.number, title_ru=i.title_ru, no_financing_needed=i.no_financing_needed)
                for i in items
                if i.number not in financed
            ],
            declared_checked=len(declared),
            warnings=financing_warnings(lines, declared, items),
        )

    async def lines(self, programme_id: int) -> list[FinancingLineRead]:
        programme = await self.load(programme_id)
        return [
            FinancingLineRead(
                activity_no=x.activity_no,
                source=rules.FundingSource(x.source),
                year=x.year,
                amount=x.amount,
                kbk=Kbk.model_validate(x.kbk) if x.kbk is not None else None,
            )
            for x in await self.repo.lines(programme.id)
        ]


def financing_warnings(
    lines: Sequence[rules.FinancingLine], declared: Sequence[rules.DeclaredAmount], activities: Sequence[ProgrammeItem]
) -> list[FinancingWarning]:
    """Printed totals that differ from the sum of their lines, money on an activity printed as
    needing none, and plan activities with neither financing nor «не требуют финансирования»."""
    warnings = [
        FinancingWarning(
            kind="total_mismatch",
            activity_no=m.activity_no,
            year=m.year,
            source=m.source,
            declared=m.declared,
            computed=m.computed,
            message=f"printed total does not add up — {m}",
        )
        for m in rules.reconcile(lines, declared)
    ]
    financed = {x.activity_no for x in lines}
    for item in activities:
        money = rules.computed_amount(lines, item.number, rules.FundingSource.TOTAL, None)
        if item.no_financing_needed and money != 0:
            warnings.append(
                FinancingWarning(
                    kind="financed_but_not_needed",
                    activity_no=item.number,
                    year=None,
                    source=None,
                    computed=money,
                    message=f"activity {item.number} is printed as needing no financing but has {money} thousand rub.",
                )
            )
        if not item.no_financing_needed and item.number not in financed:
            warnings.append(
                FinancingWarning(
                    kind="missing_financing",
                    activity_no=item.number,
                    year=None,
                    source=None,
                    message=f"activity {item.number} has no financing lines and is not marked as needing none",
                )
            )
    return warnings
