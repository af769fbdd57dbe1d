from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from kpi_api.indicators.monitoring import MonitoringLevel, ShareForm
from kpi_api.indicators.rules import Aggregation, Direction, IndicatorKind, Periodicity, Source
from kpi_api.numbers import InputNumber, JsonNumber
from kpi_api.sources.rules import SourceMetric
from zdrav_shared.contracts.org_units import OrgUnitLevel
from zdrav_shared.validation import RequestModel

CODE_PATTERN = r"^[A-Z][A-Z0-9_]{0,63}$"
OWNER_PATTERN = r"^[A-Z0-9][A-Z0-9.\-]{0,63}$"
OWNER_DESCRIPTION = (
    "Who may change the definition: RU (the federal centre) or a region's code (the region's own indicator, "
    "reported by its org units only). Default: the caller's own (RU for federal, its region for a regional_admin)"
)
REPORTING_LEVEL_DESCRIPTION = (
    "The org-unit level values are entered at (others are refused); completeness expects the units of this "
    "level. Absent: any level, and a unit's own value counts in a roll-up only when no unit below it reported"
)
SCALE_DESCRIPTION = "aggregation ratio only: value = numerator ÷ denominator × scale (default 100, a percentage)"
CODE_DESCRIPTION = (
    "The indicator's code: capital Latin letters, digits and `_`, starting with a letter "
    "(`[A-Z][A-Z0-9_]*`, at most 64 characters), e.g. `STAFFING_RATE`. Formulas name indicators by it."
)
FORMULA_DESCRIPTION = (
    "For `kind: formula`: arithmetic over other indicators' codes. Grammar: indicator codes "
    "(`[A-Z][A-Z0-9_]*`), decimal numbers with `.` (`1.2`, `100`), the operators `+ - * /` (left-associative, "
    "`*` and `/` before `+` and `-`), unary minus, parentheses, and `prev(CODE)` — the value of CODE in the "
    "previous period of the same type (growth rate: `(X - prev(X)) * 100 / prev(X)`). ASCII only, at most "
    "2000 characters. The formula is evaluated on the **aggregated** inputs of the org unit and period asked "
    "for (a ratio of sums, never an average of ratios); division by zero or a missing input gives `value: null` "
    "with a `reason`, never an error. A formula that does not parse, names an unknown code or closes a cycle "
    "is a 422 with pointer `/formula`."
)


class ThresholdsBody(RequestModel):
    """Attainment (value ÷ target, direction-aware) from which a value is ``on_track`` or ``at_risk``."""

    model_config = ConfigDict(extra="forbid")

    # At most the column's four decimal places: 0.00001 would be stored as 0.0000, a ratio that is not > 0.
    on_track_ratio: JsonNumber = Field(default=Decimal("0.95"), gt=0, le=1, decimal_places=4)
    at_risk_ratio: JsonNumber = Field(default=Decimal("0.85"), gt=0, le=1, decimal_places=4)

    @model_validator(mode="after")
    def _ordered(self) -> ThresholdsBody:
        if self.at_risk_ratio > self.on_track_ratio:
            raise ValueError("at_risk_ratio must not exceed on_track_ratio")
        return self


class IndicatorCreate(RequestModel):
    """A new catalogue entry. Inputs take ``aggregation`` (over org units) and ``time_aggregation``
    (over periods), both ``sum`` by default, or ``aggregation: ratio`` (values carry numerator and
    denominator; every roll-up is a ratio of sums); formula indicators take a ``formula`` instead."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "code": "STAFFING_RATE",
                    "name_ru": "Укомплектованность врачебных должностей",
                    "unit": "%",
                    "kind": "formula",
                    "formula": "PHYSICIANS / POSITIONS * 100 * 1.2",
                    "direction": "higher_is_better",
                    "periodicity": "quarter",
                    "precision": 1,
                }
            ]
        },
    )

    code: str = Field(pattern=CODE_PATTERN, description=CODE_DESCRIPTION)
    owner: str | None = Field(default=None, pattern=OWNER_PATTERN, description=OWNER_DESCRIPTION)
    name_ru: str = Field(min_length=1, max_length=1000)
    name_en: str | None = Field(default=None, max_length=1000)
    description: str | None = Field(default=None, max_length=10_000)
    unit: str = Field(max_length=100, description="Free label: %, days, per 10 000, …")
    kind: IndicatorKind
    formula: str | None = Field(default=None, max_length=2000, description=FORMULA_DESCRIPTION)
    aggregation: Aggregation | None = None
    time_aggregation: Aggregation | None = None
    scale: InputNumber | None = Field(default=None, gt=0, description=SCALE_DESCRIPTION)
    reporting_level: OrgUnitLevel | None = Field(default=None, description=REPORTING_LEVEL_DESCRIPTION)
    direction: Direction
    periodicity: Periodicity
    precision: int = Field(default=1, ge=0, le=6, description="Decimal places shown")
    source: Source = Source.MANUAL
    source_metric: SourceMetric | None = Field(
        default=None,
        description="The peer figure a survey or roadmap indicator takes: satisfaction_share or nps (survey), "
        "execution_pct (roadmap, implied) or followup_48h (roadmap: detractors followed up within 48 h); "
        "without it a survey indicator is entered like a manual one",
    )
    source_campaign: str | None = Field(
        default=None,
        max_length=64,
        description="Survey campaign code; absent: the responses to the national questionnaire nsi-standard",
    )
    thresholds: ThresholdsBody | None = None
    declared_min: InputNumber | None = None
    declared_max: InputNumber | None = None
    effective_from: date | None = Field(default=None, description="First day the formula applies to")
    monitoring_level: MonitoringLevel | None = Field(
        default=None,
        description="National method: core (fixed once set), supplementary_mandatory (fixed once approved), "
        "auxiliary (may change each quarter)",
    )
    control: bool | None = Field(
        default=None, description="A control indicator: missing its annual target raises an alert (GET /v1/alerts)"
    )
    share_form: ShareForm | None = Field(default=None, description="A share written as a fraction (0.855) or percent")
    cause_note_pct: InputNumber | None = Field(
        default=None, ge=0, description="|deviation| from target, in % of it, past which a cause note is required"
    )


class IndicatorUpdate(RequestModel):
    """Fields to change. A new ``formula`` needs ``effective_from``: periods starting before it keep the
    formula they had, and it may not start where an input has approved values. Code, owner, kind and
    periodicity cannot change. ``active: false`` switches the indicator off (no new values). Every
    change is audited with ``reason``."""

    model_config = ConfigDict(extra="forbid")

    name_ru: str | None = Field(default=None, min_length=1, max_length=1000)
    name_en: str | None = Field(default=None, max_length=1000)
    description: str | None = Field(default=None, max_length=10_000)
    unit: str | None = Field(default=None, max_length=100)
    formula: str | None = Field(
        default=None,
        max_length=2000,
        description=FORMULA_DESCRIPTION + " A new formula needs `effective_from`.",
    )
    effective_from: date | None = None
    aggregation: Aggregation | None = None
    time_aggregation: Aggregation | None = None
    scale: InputNumber | None = Field(default=None, gt=0, description=SCALE_DESCRIPTION)
    reporting_level: OrgUnitLevel | None = Field(default=None, description=REPORTING_LEVEL_DESCRIPTION)
    direction: Direction | None = None
    precision: int | None = Field(default=None, ge=0, le=6)
    source: Source | None = None
    source_metric: SourceMetric | None = Field(
        default=None,
        description="The peer figure a survey or roadmap indicator takes: satisfaction_share or nps (survey), "
        "execution_pct (roadmap, implied) or followup_48h (roadmap: detractors followed up within 48 h); "
        "without it a survey indicator is entered like a manual one",
    )
    source_campaign: str | None = Field(
        default=None,
        max_length=64,
        description="Survey campaign code; absent: the responses to the national questionnaire nsi-standard",
    )
    thresholds: ThresholdsBody | None = None
    declared_min: InputNumber | None = None
    declared_max: InputNumber | None = None
    monitoring_level: MonitoringLevel | None = Field(
        default=None,
        description="National method: core (fixed once set), supplementary_mandatory (fixed once approved), "
        "auxiliary (may change each quarter)",
    )
    control: bool | None = Field(
        default=None, description="A control indicator: missing its annual target raises an alert (GET /v1/alerts)"
    )
    share_form: ShareForm | None = Field(default=None, description="A share written as a fraction (0.855) or percent")
    cause_note_pct: InputNumber | None = Field(
        default=None, ge=0, description="|deviation| from target, in % of it, past which a cause note is required"
    )
    active: bool | None = None
    reason: str | None = Field(default=None, max_length=1000, description="Why: kept in the definition's history")


class FormulaVersionRead(BaseModel):
    formula: str
    effective_from: date
    created_by: str
    created_at: datetime


class IndicatorRead(BaseModel):
    code: str
    owner: str = Field(description="RU (federal) or the region whose admins change the definition")
    name_ru: str
    name_en: str | None = None
    description: str | None = None
    unit: str
    kind: IndicatorKind
    formula: str | None = None
    aggregation: Aggregation | None = None
    time_aggregation: Aggregation | None = None
    scale: InputNumber | None = Field(default=None, gt=0, description=SCALE_DESCRIPTION)
    reporting_level: OrgUnitLevel | None = Field(default=None, description=REPORTING_LEVEL_DESCRIPTION)
    direction: Direction
    periodicity: Periodicity
    precision: int
    source: Source
    source_metric: SourceMetric | None = None
    source_campaign: str | None = None
    thresholds: ThresholdsBody
    declared_min: JsonNumber | None = None
    declared_max: JsonNumber | None = None
    active: bool
    monitoring_level: MonitoringLevel | None = None
    approved_at: datetime | None = Field(default=None, description="When the definition was approved")
    control: bool = False
    share_form: ShareForm | None = None
    cause_note_pct: JsonNumber | None = None
    version: int
    formula_versions: list[FormulaVersionRead] = Field(default_factory=list)
    created_at: datetime
    updated_at: datetime


class IndicatorApprove(RequestModel):
    """Approve an indicator's definition (a mandatory supplementary one is then fixed)."""

    model_config = ConfigDict(extra="forbid")

    reason: str | None = Field(default=None, max_length=1000, description="Kept in the definition's history")
