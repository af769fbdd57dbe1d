"""All SQL of reported values.

Writes to an existing value are compare-and-set: one ``UPDATE … WHERE id = :id AND version = :v``
whose row count says whether this writer won; the version goes up by one in the same statement. New
values are ``INSERT … ON CONFLICT DO NOTHING``: of concurrent creators one inserts, the others learn
that the value exists and go on as writers of it. Nothing here raises on a lost race, so one item's
race never aborts the other items of a request.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from kpi_api.aggregate_cache.generations import touch
from kpi_api.models import Indicator, IndicatorValue, OrgUnit, Target
from kpi_api.targets.verdict import TargetFigures

UNIQUE_KEY = ["indicator_id", "period", "org_unit_id"]


class ValueRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def existing(
        self, indicator_ids: Sequence[int], org_unit_ids: Sequence[int], periods: Sequence[str]
    ) -> dict[tuple[int, int, str], IndicatorValue]:
        if not indicator_ids or not org_unit_ids or not periods:
            return {}
        result = await self.session.execute(
            select(IndicatorValue).where(
                IndicatorValue.indicator_id.in_(sorted(set(indicator_ids))),
                IndicatorValue.org_unit_id.in_(sorted(set(org_unit_ids))),
                IndicatorValue.period.in_(sorted(set(periods))),
            )
        )
        return {(v.indicator_id, v.org_unit_id, v.period): v for v in result.scalars()}

    async def history(
        self, indicator_ids: Sequence[int], org_unit_ids: Sequence[int], from_year: int
    ) -> list[tuple[int, int, str, int, int, object]]:
        """Earlier values for the outlier check: ``(indicator_id, org_unit_id, period, year, end_month, value)``."""
        if not indicator_ids or not org_unit_ids:
            return []
        result = await self.session.execute(
            select(
                IndicatorValue.indicator_id,
                IndicatorValue.org_unit_id,
                IndicatorValue.period,
                IndicatorValue.year,
                IndicatorValue.end_month,
                IndicatorValue.value,
            ).where(
                IndicatorValue.indicator_id.in_(sorted(set(indicator_ids))),
                IndicatorValue.org_unit_id.in_(sorted(set(org_unit_ids))),
                IndicatorValue.value.is_not(None),
                IndicatorValue.year >= from_year,
            )
        )
        return [tuple(row) for row in result.all()]  # type: ignore[misc]

    async def targets(
        self, indicator_ids: Sequence[int], org_unit_ids: Sequence[int], years: Sequence[int]
    ) -> dict[tuple[int, int], dict[str, TargetFigures]]:
        """Targets (one number or a range) by ``(indicator_id, org_unit_id)`` then period code, for the
        off-track comment rule."""
        if not indicator_ids or not org_unit_ids or not years:
            return {}
        result = await self.session.execute(
            select(
                Target.indicator_id,
                Target.org_unit_id,
                Target.period,
                Target.target,
                Target.target_low,
                Target.target_high,
            ).where(
                Target.indicator_id.in_(sorted(set(indicator_ids))),
                Target.org_unit_id.in_(sorted(set(org_unit_ids))),
                Target.year.in_(sorted(set(years))),
            )
        )
        found: dict[tuple[int, int], dict[str, TargetFigures]] = {}
        for indicator_id, unit_id, period, target, low, high in result.all():
            found.setdefault((indicator_id, unit_id), {})[period] = TargetFigures(target, None, None, low, high)
        return found

    async def get(self, value_id: int, scope: ColumnElement[bool] | None) -> tuple[IndicatorValue, str, str] | None:
        """A value with its indicator and org unit codes, only when inside the caller's scope."""
        query = (
            select(IndicatorValue, Indicator.code, OrgUnit.code)
            .join(Indicator, Indicator.id == IndicatorValue.indicator_id)
            .join(OrgUnit, OrgUnit.id == IndicatorValue.org_unit_id)
            .where(IndicatorValue.id == value_id)
        )
        if scope is not None:
            query = query.where(scope)
        row = (await self.session.execute(query)).first()
        return None if row is None else (row[0], row[1], row[2])

    async def path_of(self, org_unit_id: int) -> str:
        return (await self.session.execute(select(OrgUnit.path).where(OrgUnit.id == org_unit_id))).scalar_one()

    async def list_values(
        self,
        *,
        scope: ColumnElement[bool] | None,
        limit: int,
        after_id: int | None = None,
        indicator_id: int | None = None,
        under_path: str | None = None,
        period: str | None = None,
        status: str | None = None,
    ) -> list[tuple[IndicatorValue, str, str]]:
        query = (
            select(IndicatorValue, Indicator.code, OrgUnit.code)
            .join(Indicator, Indicator.id == IndicatorValue.indicator_id)
            .join(OrgUnit, OrgUnit.id == IndicatorValue.org_unit_id)
        )
        if scope is not None:
            query = query.where(scope)
        if after_id is not None:
            query = query.where(IndicatorValue.id > after_id)
        if indicator_id is not None:
            query = query.where(IndicatorValue.indicator_id == indicator_id)
        if under_path is not None:
            query = query.where(OrgUnit.path.startswith(under_path, autoescape=True))
        if period is not None:
            query = query.where(IndicatorValue.period == period)
        if status is not None:
            query = query.where(IndicatorValue.status == status)
        result = await self.session.execute(query.order_by(IndicatorValue.id).limit(limit))
        return [(v, i, u) for v, i, u in result.all()]

    async def insert_new(self, fields: dict[str, Any]) -> IndicatorValue | None:
        """Insert a value unless one exists for its indicator, period and org unit (then None)."""
        dialect = self.session.get_bind().dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        statement = (
            insert(IndicatorValue)
            .values(**fields)
            .on_conflict_do_nothing(index_elements=UNIQUE_KEY)
            .returning(IndicatorValue)
        )
        created: IndicatorValue | None = (await self.session.scalars(statement)).one_or_none()
        if created is not None:
            touch(self.session, created.indicator_id, created.year, created.org_unit_id)
        return created

    async def fresh(self, indicator_id: int, org_unit_id: int, period: str) -> IndicatorValue | None:
        """The value as it is in the database now (another writer may have changed it since it was read)."""
        result = await self.session.execute(
            select(IndicatorValue)
            .where(
                IndicatorValue.indicator_id == indicator_id,
                IndicatorValue.org_unit_id == org_unit_id,
                IndicatorValue.period == period,
            )
            .execution_options(populate_existing=True)
        )
        return result.scalar_one_or_none()

    async def refresh(self, value: IndicatorValue) -> None:
        """Re-read ``value`` from the database into the same object."""
        await self.session.execute(
            select(IndicatorValue).where(IndicatorValue.id == value.id).execution_options(populate_existing=True)
        )

    async def compare_and_set(
        self, value: IndicatorValue, changes: dict[str, Any], *, from_status: str | None = None
    ) -> bool:
        """Write ``changes`` and the next version only if the row is still at ``value.version`` (and in
        ``from_status`` when given): one statement, the row count says who won. On success the object
        carries the new state without being marked dirty (nothing is written twice)."""
        expected = value.version
        statement = update(IndicatorValue).where(IndicatorValue.id == value.id, IndicatorValue.version == expected)
        if from_status is not None:
            statement = statement.where(IndicatorValue.status == from_status)
        written = {**changes, "version": expected + 1}
        result = await self.session.execute(statement.values(**written).execution_options(synchronize_session=False))
        if result.rowcount != 1:  # type: ignore[attr-defined]
            return False
        touch(self.session, value.indicator_id, value.year, value.org_unit_id)
        for key, new in written.items():
            set_committed_value(value, key, new)
        return True

    async def flush(self) -> None:
        await self.session.flush()
