"""Use cases of the indicator catalogue: create, change, read, history. Never commits.

Every definition has an ``owner`` (``zdrav_shared.ownership``): ``RU`` for the federal centre's
indicators, a region's code for the region's own. Only the owner's admins create or change it —
names, thresholds, formula, reporting level, switching it off or on — and every change, creation
included, is audited (``GET /v1/indicators/{code}/history``). A formula change may not start in a
period where an input it reads (now or before) has an approved value: that would rewrite a figure
someone signed (409 ``approved_history``, naming the first such period).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from kpi_api.audit.repository import AuditRepository
from kpi_api.audit.schemas import definition_change
from kpi_api.formulas import Expr, FormulaError, compile_formula, dependency_graph, ensure_acyclic, parse
from kpi_api.formulas import referenced_codes as formula_codes
from kpi_api.indicators.definition import check_level_for_owner, entry_methods, moved_levels, snapshot
from kpi_api.indicators.errors import (
    ApprovedHistory,
    FormulaRejected,
    IndicatorCodeTaken,
    IndicatorNotFound,
    ValuesExist,
)
from kpi_api.indicators.monitoring import MonitoringLevel, ShareForm, refuse_fixed_change
from kpi_api.indicators.repository import IndicatorRepository
from kpi_api.indicators.rules import (
    Aggregation,
    Direction,
    IndicatorKind,
    Periodicity,
    Source,
    first_period_from,
)
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
from zdrav_shared.contracts.org_units import OrgUnitLevel
from zdrav_shared.etags import check_if_match
from zdrav_shared.logging import get_logger
from zdrav_shared.orm import utcnow
from zdrav_shared.ownership import DefinitionChange, default_owner, require_owner
from zdrav_shared.periods import MIN_YEAR
from zdrav_shared.problems import Unprocessable

log = get_logger(__name__)
# Stored as their text.
ENUM_FIELDS = (
    "aggregation",
    "time_aggregation",
    "direction",
    "source",
    "reporting_level",
    "monitoring_level",
    "share_form",
)

CATALOGUE_WRITERS = (Role.FEDERAL, Role.REGIONAL_ADMIN)
ENTITY = "indicator"
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
        self.audit = AuditRepository(session)

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

    async def history(self, code: str) -> list[DefinitionChange]:
        """Every audited change of the definition, oldest first (catalogue data: readable by all)."""
        indicator = await self.get(code)
        return [definition_change(e) for e in await self.audit.events(ENTITY, [indicator.id])]

    async def create(self, principal: Principal, data: IndicatorCreate) -> Indicator:
        require_role(principal, *CATALOGUE_WRITERS)
        owner = default_owner(principal, data.owner)
        await ensure_for_formula(self.repo.session, data.formula)
        catalogue = await self.repo.catalogue()
        if data.code in catalogue:
            raise IndicatorCodeTaken(data.code)
        if data.kind is IndicatorKind.INPUT:
            if data.formula is not None:
                raise Unprocessable("an input indicator has no formula (use kind formula)", pointer="/formula")
        elif not data.formula:
            raise FormulaRejected("a formula indicator needs a formula", reason="missing")
        aggregation, time_aggregation, scale = entry_methods(
            data.kind, data.aggregation, data.time_aggregation, data.scale
        )
        if data.formula:
            check_formula(data.formula, data.code, data.periodicity, catalogue)
        check_level_for_owner(owner, data.reporting_level)
        _bounds_problem(data.declared_min, data.declared_max)
        metric = check_mapping(data.kind, data.source, data.source_metric, data.source_campaign)
        thresholds = data.thresholds or ThresholdsBody()
        indicator = Indicator(
            code=data.code,
            owner=owner,
            name_ru=data.name_ru,
            name_en=data.name_en,
            description=data.description,
            unit=data.unit,
            kind=data.kind.value,
            formula=data.formula,
            aggregation=aggregation.value if aggregation else None,
            time_aggregation=time_aggregation.value if time_aggregation else None,
            scale=scale,
            reporting_level=data.reporting_level.value if data.reporting_level else None,
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
            monitoring_level=data.monitoring_level.value if data.monitoring_level else None,
            control=bool(data.control),
            share_form=data.share_form.value if data.share_form else None,
            cause_note_pct=data.cause_note_pct,
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
        self.audit.record(ENTITY, indicator.id, "created", principal.sub, None, snapshot(indicator))
        log.info("indicator_created", code=indicator.code, kind=indicator.kind, owner=owner, by=principal.sub)
        return indicator

    async def update(self, principal: Principal, code: str, data: IndicatorUpdate, if_match: str | None) -> Indicator:
        require_role(principal, *CATALOGUE_WRITERS)
        indicator = await self.get(code)
        require_owner(principal, indicator.owner, f"indicator {code}")
        check_if_match(if_match, indicator.version)
        changes: dict[str, Any] = data.model_dump(exclude_unset=True)
        reason = changes.pop("reason", None)
        is_input = indicator.kind == IndicatorKind.INPUT
        for flag in ("active", "control"):
            if flag in changes and changes[flag] is None:
                del changes[flag]  # null: leave it as it is
        refuse_fixed_change(indicator, changes)
        for required in ("name_ru", "unit", "direction", "precision", "source"):
            if required in changes and changes[required] is None:
                raise Unprocessable(f"{required} cannot be removed", pointer=f"/{required}")
        await self._entry_changes(indicator, changes)
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
            expr = check_formula(new_formula, code, Periodicity(indicator.periodicity), catalogue)
            await self._refuse_rewriting(indicator, expr, effective_from, catalogue)
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
        before = snapshot(indicator)
        for field, value in changes.items():
            if field in ENUM_FIELDS:
                value = None if value is None else str(value)
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
        after = snapshot(indicator)
        if before != after or new_formula:
            indicator.version += 1
            if before["active"] != after["active"]:
                action = "activated" if after["active"] else "deactivated"
            elif new_formula:
                action = "formula_changed"
                after = {**after, "formula_effective_from": effective_from.isoformat() if effective_from else None}
            else:
                action = "updated"
            await self.repo.flush()
            self.audit.record(ENTITY, indicator.id, action, principal.sub, before, after, reason)
            log.info("indicator_updated", code=code, action=action, fields=sorted(changes), by=principal.sub)
        return indicator

    async def approve(self, principal: Principal, code: str, reason: str | None) -> Indicator:
        """Approve the definition (once): a mandatory supplementary indicator is fixed from then on."""
        require_role(principal, *CATALOGUE_WRITERS)
        indicator = await self.get(code)
        require_owner(principal, indicator.owner, f"indicator {code}")
        if indicator.approved_at is None:
            before = snapshot(indicator)
            indicator.approved_at = utcnow()
            indicator.version += 1
            await self.repo.flush()
            self.audit.record(ENTITY, indicator.id, "approved", principal.sub, before, snapshot(indicator), reason)
            log.info("indicator_approved", code=code, by=principal.sub)
        return indicator

    async def _entry_changes(self, indicator: Indicator, changes: dict[str, Any]) -> None:
        """Check changes of how values are entered and rolled up; normalise them into ``changes``.

        Switching to or from ``ratio`` once values exist is refused (the stored values would lack
        their counts, or carry counts nobody reads); a new scale or reporting level that would change
        approved figures is refused like a back-dated formula."""
        touched = {"aggregation", "time_aggregation", "scale", "reporting_level"} & changes.keys()
        if not touched:
            return
        if "reporting_level" in changes:
            level = changes["reporting_level"]
            check_level_for_owner(indicator.owner, OrgUnitLevel(level) if level else None)
            levels = await self.repo.approved_levels(indicator.id)
            moved = moved_levels(indicator.reporting_level, level, levels.keys())
            if moved:
                first = min(levels[m] for m in moved)
                raise ApprovedHistory(
                    f"{indicator.code} has approved values at the {', '.join(moved)} level that the new reporting "
                    f"level would count differently (first in {first}); reopen them first",
                    first_approved_period=first,
                    levels=moved,
                )
        if not {"aggregation", "time_aggregation", "scale"} & changes.keys():
            return
        if indicator.kind != IndicatorKind.INPUT:
            name = next(n for n in ("aggregation", "time_aggregation", "scale") if n in changes)
            raise Unprocessable(f"a formula indicator has no {name}", pointer=f"/{name}")
        for name in ("aggregation", "time_aggregation"):
            if name in changes and changes[name] is None:
                raise Unprocessable(f"{name} cannot be removed", pointer=f"/{name}")
        was_ratio = indicator.aggregation == Aggregation.RATIO
        aggregation = changes.get("aggregation", Aggregation(indicator.aggregation or "sum"))
        is_ratio = aggregation is Aggregation.RATIO
        time_aggregation = changes.get("time_aggregation")
        if time_aggregation is None and is_ratio == was_ratio:
            time_aggregation = Aggregation(indicator.time_aggregation) if indicator.time_aggregation else None
        scale = changes.get("scale", indicator.scale if is_ratio and was_ratio else None)
        stored = entry_methods(IndicatorKind.INPUT, aggregation, time_aggregation, scale)
        if is_ratio != was_ratio:
            since = await self.repo.first_value(indicator.id)
            if since is not None:
                raise ValuesExist(
                    f"{indicator.code} has values since {since}: it cannot switch "
                    + ("from ratio (the values carry counts)" if was_ratio else "to ratio (the values lack counts)"),
                    first_period=since,
                )
        if is_ratio and was_ratio and stored[2] != indicator.scale:
            approved = await self.repo.first_value(indicator.id, "approved")
            if approved is not None:
                raise ApprovedHistory(
                    f"{indicator.code} has approved values since {approved}: a new scale would change them",
                    first_approved_period=approved,
                )
        changes["aggregation"], changes["time_aggregation"], changes["scale"] = stored

    async def _refuse_rewriting(
        self, indicator: Indicator, expr: Expr, effective_from: date, catalogue: Mapping[str, Indicator]
    ) -> None:
        """409 when the new formula would apply to a period whose inputs (of the new formula or of any
        earlier version, through other formulas down to entered inputs) have an approved value."""
        start = first_period_from(effective_from, Periodicity(indicator.periodicity)).start
        formulas = [expr] + [
            parse(v.formula) for v in (await self.repo.formula_versions([indicator.id])).get(indicator.id, [])
        ]
        inputs = _inputs_of(formulas, catalogue, indicator.code)
        found = await self.repo.first_approved([catalogue[c].id for c in sorted(inputs)], start)
        if found is not None:
            used, period = found
            raise ApprovedHistory(
                f"{used} has an approved value in {period}, which a formula effective from {effective_from} "
                f"would recompute: start it after the last approved period, or reopen those values first",
                first_approved_period=period,
                indicator_code=used,
            )


def _inputs_of(formulas: list[Expr], catalogue: Mapping[str, Indicator], own: str) -> set[str]:
    """The entered indicators the formulas read, through formula indicators (their current formula)."""
    inputs: set[str] = set()
    seen = {own}
    pending = [code for expr in formulas for code in formula_codes(expr).all]
    while pending:
        code = pending.pop()
        if code in seen or code not in catalogue:
            continue
        seen.add(code)
        other = catalogue[code]
        if other.kind == IndicatorKind.INPUT:
            inputs.add(code)
        elif other.formula:
            pending.extend(formula_codes(parse(other.formula)).all)
    return inputs


def _read(indicator: Indicator, versions: list[IndicatorFormulaVersion]) -> IndicatorRead:
    return IndicatorRead(
        code=indicator.code,
        owner=indicator.owner,
        name_ru=indicator.name_ru,
        name_en=indicator.name_en,
        description=indicator.description,
        unit=indicator.unit,
        kind=IndicatorKind(indicator.kind),
        formula=indicator.formula,
        aggregation=Aggregation(indicator.aggregation) if indicator.aggregation else None,
        time_aggregation=Aggregation(indicator.time_aggregation) if indicator.time_aggregation else None,
        scale=indicator.scale,
        reporting_level=OrgUnitLevel(indicator.reporting_level) if indicator.reporting_level else None,
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
        monitoring_level=MonitoringLevel(indicator.monitoring_level) if indicator.monitoring_level else None,
        approved_at=indicator.approved_at,
        control=indicator.control,
        share_form=ShareForm(indicator.share_form) if indicator.share_form else None,
        cause_note_pct=indicator.cause_note_pct,
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
