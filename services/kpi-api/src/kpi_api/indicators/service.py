"""Use cases of the indicator catalogue: create, change, read. Never commits."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from kpi_api.formulas import Expr, FormulaError, compile_formula, dependency_graph, ensure_acyclic, parse
from kpi_api.formulas import referenced_codes as formula_codes
from kpi_api.indicators.errors import FormulaRejected, IndicatorCodeTaken, IndicatorNotFound
from kpi_api.indicators.repository import IndicatorRepository
from kpi_api.indicators.rules import Aggregation, Direction, IndicatorKind, Periodicity, Source
from kpi_api.indicators.schemas import (
    FormulaVersionRead,
    IndicatorCreate,
    IndicatorRead,
    IndicatorUpdate,
    ThresholdsBody,
)
from kpi_api.models import Indicator, IndicatorFormulaVersion
from kpi_api.population.indicators import ensure_for_formula
from kpi_api.sources.rules import SourceMetric, check_mapping
from zdrav_shared.auth import Principal, Role, require_role
from zdrav_shared.etags import check_if_match
from zdrav_shared.logging import get_logger
from zdrav_shared.periods import MIN_YEAR
from zdrav_shared.problems import Unprocessable

log = get_logger(__name__)

CATALOGUE_WRITERS = (Role.FEDERAL, Role.REGIONAL_ADMIN)
# The first formula of an indicator applies to every period unless the client says otherwise.
BEGINNING = date(MIN_YEAR, 1, 1)


def check_formula(text: str, code: str, periodicity: Periodicity, catalogue: Mapping[str, Indicator]) -> Expr:
    """Parse and check a formula against the catalogue: known codes, no cycle, compatible periodicity."""
    try:
        expr = compile_formula(text, catalogue.keys(), own_code=code)
        formulas: dict[str, Expr] = {}
        for other in catalogue.values():
            if other.kind == IndicatorKind.FORMULA and other.formula and other.code != code:
                formulas[other.code] = parse(other.formula)
        formulas[code] = expr
        ensure_acyclic(dependency_graph(formulas))
    except FormulaError as error:
        raise FormulaRejected(
            error.message if error.position is None else str(error),
            reason=error.kind.value,
            position=error.position,
            codes=list(error.codes),
        ) from error
    months = periodicity.period_type.months
    for used in sorted(formula_codes(expr).all - {code}):
        other_periodicity = Periodicity(catalogue[used].periodicity)
        if other_periodicity.period_type.months > months:
            raise FormulaRejected(
                f"{used} is reported per {other_periodicity.value}: a {periodicity.value}ly formula cannot use it",
                reason="periodicity",
                codes=[used],
            )
    return expr


def _bounds_problem(low: Decimal | None, high: Decimal | None) -> None:
    if low is not None and high is not None and low > high:
        raise Unprocessable("declared_min must not exceed declared_max", pointer="/declared_min")


class IndicatorService:
    def __init__(self, session: AsyncSession) -> None:
        self.repo = IndicatorRepository(session)

    async def get(self, code: str) -> Indicator:
        indicator = await self.repo.get(code)
        if indicator is None:
            raise IndicatorNotFound(code)
        return indicator

    async def read(self, indicator: Indicator) -> IndicatorRead:
        return (await self.read_many([indicator]))[0]

    async def read_many(self, indicators: list[Indicator]) -> list[IndicatorRead]:
        versions = await self.repo.formula_versions([i.id for i in indicators])
        return [_read(i, versions.get(i.id, [])) for i in indicators]

    async def create(self, principal: Principal, data: IndicatorCreate) -> Indicator:
        require_role(principal, *CATALOGUE_WRITERS)
        await ensure_for_formula(self.repo.session, data.formula)
        catalogue = await self.repo.catalogue()
        if data.code in catalogue:
            raise IndicatorCodeTaken(data.code)
        aggregation, time_aggregation = data.aggregation, data.time_aggregation
        if data.kind is IndicatorKind.INPUT:
            if data.formula is not None:
                raise Unprocessable("an input indicator has no formula (use kind formula)", pointer="/formula")
            aggregation = aggregation or Aggregation.SUM
            time_aggregation = time_aggregation or Aggregation.SUM
        else:
            if not data.formula:
                raise FormulaRejected("a formula indicator needs a formula", reason="missing")
            for name, given in (("aggregation", aggregation), ("time_aggregation", time_aggregation)):
                if given is not None:
                    raise Unprocessable(
                        f"a formula indicator has no {name}: it is computed on aggregated inputs (ratio of sums)",
                        pointer=f"/{name}",
                    )
            check_formula(data.formula, data.code, data.periodicity, catalogue)
        _bounds_problem(data.declared_min, data.declared_max)
        metric = check_mapping(data.kind, data.source, data.source_metric, data.source_campaign)
        thresholds = data.thresholds or ThresholdsBody()
        indicator = Indicator(
            code=data.code,
            name_ru=data.name_ru,
            name_en=data.name_en,
            description=data.description,
            unit=data.unit,
            kind=data.kind.value,
            formula=data.formula,
            aggregation=aggregation.value if aggregation else None,
            time_aggregation=time_aggregation.value if time_aggregation else None,
            direction=data.direction.value,
            periodicity=data.periodicity.value,
            precision=data.precision,
            source=data.source.value,
            source_metric=metric.value if metric else None,
            source_campaign=data.source_campaign,
            on_track_ratio=thresholds.on_track_ratio,
            at_risk_ratio=thresholds.at_risk_ratio,
            declared_min=data.declared_min,
            declared_max=data.declared_max,
            active=True,
            version=1,
        )
        self.repo.add(indicator)
        await self.repo.flush()
        if data.formula:
            self.repo.add(
                IndicatorFormulaVersion(
                    indicator_id=indicator.id,
                    formula=data.formula,
                    effective_from=data.effective_from or BEGINNING,
                    created_by=principal.sub,
                )
            )
            await self.repo.flush()
        log.info("indicator_created", code=indicator.code, kind=indicator.kind, by=principal.sub)
        return indicator

    async def update(self, principal: Principal, code: str, data: IndicatorUpdate, if_match: str | None) -> Indicator:
        require_role(principal, *CATALOGUE_WRITERS)
        indicator = await self.get(code)
        check_if_match(if_match, indicator.version)
        changes: dict[str, Any] = data.model_dump(exclude_unset=True)
        is_input = indicator.kind == IndicatorKind.INPUT
        for required in ("name_ru", "unit", "direction", "precision", "source"):
            if required in changes and changes[required] is None:
                raise Unprocessable(f"{required} cannot be removed", pointer=f"/{required}")
        for name in ("aggregation", "time_aggregation"):
            if name in changes:
                if not is_input:
                    raise Unprocessable(f"a formula indicator has no {name}", pointer=f"/{name}")
                if changes[name] is None:
                    raise Unprocessable(f"{name} cannot be removed", pointer=f"/{name}")
        new_formula = changes.pop("formula", None)
        effective_from = changes.pop("effective_from", None)
        if new_formula is not None or "formula" in data.model_fields_set:
            if is_input:
                raise Unprocessable("an input indicator has no formula", pointer="/formula")
            if not new_formula:
                raise FormulaRejected("a formula indicator needs a formula", reason="missing")
            if effective_from is None:
                raise Unprocessable(
                    "a changed formula needs effective_from: periods starting before it keep the old formula",
                    pointer="/effective_from",
                )
            await ensure_for_formula(self.repo.session, new_formula)
            catalogue = await self.repo.catalogue()
            check_formula(new_formula, code, Periodicity(indicator.periodicity), catalogue)
        elif effective_from is not None:
            raise Unprocessable("effective_from goes with a new formula", pointer="/effective_from")
        if "thresholds" in changes:
            thresholds = data.thresholds or ThresholdsBody()
            changes.pop("thresholds")
            changes["on_track_ratio"] = thresholds.on_track_ratio
            changes["at_risk_ratio"] = thresholds.at_risk_ratio
        low = changes.get("declared_min", indicator.declared_min)
        high = changes.get("declared_max", indicator.declared_max)
        _bounds_problem(low, high)
        if {"source", "source_metric", "source_campaign"} & changes.keys():
            given = changes.get("source_metric", indicator.source_metric)
            metric = check_mapping(
                IndicatorKind(indicator.kind),
                Source(changes.get("source") or indicator.source),
                SourceMetric(given) if given else None,
                changes.get("source_campaign", indicator.source_campaign),
            )
            changes["source_metric"] = metric.value if metric else None
        for field, value in changes.items():
            if field in ("aggregation", "time_aggregation", "direction", "source") and value is not None:
                value = str(value)
            if field == "active" and value is None:
                continue
            setattr(indicator, field, value)
        if new_formula:
            assert effective_from is not None
            self.repo.add(
                IndicatorFormulaVersion(
                    indicator_id=indicator.id,
                    formula=new_formula,
                    effective_from=effective_from,
                    created_by=principal.sub,
                )
            )
            indicator.formula = new_formula
        if changes or new_formula:
            indicator.version += 1
            await self.repo.flush()
            log.info("indicator_updated", code=code, fields=sorted(changes), by=principal.sub)
        return indicator


def _read(indicator: Indicator, versions: list[IndicatorFormulaVersion]) -> IndicatorRead:
    return IndicatorRead(
        code=indicator.code,
        name_ru=indicator.name_ru,
        name_en=indicator.name_en,
        description=indicator.description,
        unit=indicator.unit,
        kind=IndicatorKind(indicator.kind),
        formula=indicator.formula,
        aggregation=Aggregation(indicator.aggregation) if indicator.aggregation else None,
        time_aggregation=Aggregation(indicator.time_aggregation) if indicator.time_aggregation else None,
        direction=Direction(indicator.direction),
        periodicity=Periodicity(indicator.periodicity),
        precision=indicator.precision,
        source=Source(indicator.source),
        source_metric=SourceMetric(indicator.source_metric) if indicator.source_metric else None,
        source_campaign=indicator.source_campaign,
        thresholds=ThresholdsBody(on_track_ratio=indicator.on_track_ratio, at_risk_ratio=indicator.at_risk_ratio),
        declared_min=indicator.declared_min,
        declared_max=indicator.declared_max,
        active=indicator.active,
        version=indicator.version,
        formula_versions=[
            FormulaVersionRead(
                formula=v.formula, effective_from=v.effective_from, created_by=v.created_by, created_at=v.created_at
            )
            for v in versions
        ],
        created_at=indicator.created_at,
        updated_at=indicator.updated_at,
    )
