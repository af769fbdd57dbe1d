from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from roadmap_api.common import Code, Day, Number
from roadmap_api.improvements.rules import Direction
from zdrav_shared.validation import RequestModel


class LifeSituationCreate(RequestModel):
    """A life situation with its boundaries — the event it starts with and the one it ends with —
    and its beneficiaries. ``owner`` defaults to the caller's (``RU`` for federal)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "code": "mur-ls-1",
                    "name_ru": "Пройти диспансеризацию",
                    "start_event_ru": "запись на диспансеризацию",
                    "end_event_ru": "получение заключения терапевта",
                    "beneficiaries_ru": "Взрослое население",
                }
            ]
        },
    )

    code: Code
    name_ru: str = Field(min_length=1, max_length=1000)
    name_en: str | None = Field(default=None, max_length=1000)
    start_event_ru: str = Field(min_length=1, max_length=2000, description="The event the situation starts with")
    end_event_ru: str = Field(min_length=1, max_length=2000, description="The event it ends with")
    boundaries_ru: str | None = Field(default=None, max_length=4000, description="The boundaries as printed")
    beneficiaries_ru: str = Field(min_length=1, max_length=2000)
    owner: Code | None = None


class LifeSituationUpdate(RequestModel):
    model_config = ConfigDict(extra="forbid")

    name_ru: str | None = Field(default=None, min_length=1, max_length=1000)
    name_en: str | None = Field(default=None, max_length=1000)
    start_event_ru: str | None = Field(default=None, min_length=1, max_length=2000)
    end_event_ru: str | None = Field(default=None, min_length=1, max_length=2000)
    boundaries_ru: str | None = Field(default=None, max_length=4000)
    beneficiaries_ru: str | None = Field(default=None, min_length=1, max_length=2000)
    reason: str | None = Field(default=None, max_length=2000)


class LifeSituationRead(BaseModel):
    id: int
    code: str
    name_ru: str
    name_en: str | None
    start_event_ru: str
    end_event_ru: str
    boundaries_ru: str | None
    beneficiaries_ru: str
    owner: str
    version: int
    created_at: datetime
    updated_at: datetime


class InstitutionCreate(RequestModel):
    """An institution of a region for the life situation. Urban or rural comes from kpi-api's org
    unit; ``rural`` is used only where kpi-api does not say."""

    model_config = ConfigDict(extra="forbid")

    org_unit_code: Code
    region_code: Code | None = Field(default=None, description="Defaults to the org unit's region")
    rural: bool | None = None


class InstitutionRead(BaseModel):
    id: int
    region_code: str
    org_unit_code: str
    rural: bool | None


class InstitutionsRead(BaseModel):
    """A region's institutions of a life situation; ``warnings`` say what the method's rule (at least
    two, urban and rural) finds missing — ``ok`` is true when there is nothing to say."""

    life_situation_code: str
    region_code: str
    institutions: list[InstitutionRead]
    ok: bool
    warnings: list[str]


# A measured quantity (minutes, days …): not negative, at most 14 digits before the point.
Value = Annotated[Decimal, Field(ge=0, max_digits=20, decimal_places=6)]


class MeasurementIn(RequestModel):
    model_config = ConfigDict(extra="forbid")

    value: Value
    measured_on: Day | None = None
    note: str | None = Field(default=None, max_length=1000)


Sample = list[MeasurementIn | Value]


class SelfAssessmentCreate(RequestModel):
    """Process-time measurements of one institution for one indicator (e.g. days of waiting for a
    cardiologist). Measurements are numbers or ``{value, measured_on?, note?}``."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "org_unit_code": "MUR-GP1",
                    "indicator_code": "WAIT_CARDIO_DAYS",
                    "metric_ru": "Время ожидания приёма у кардиолога",
                    "unit": "дни",
                    "direction": "lower_is_better",
                    "measurements": [7, 9, 12, 8, 14, 10, 9, 11, 13, 21],
                }
            ]
        },
    )

    org_unit_code: Code
    indicator_code: Code = Field(description="The KPI it measures (an indicator code of kpi-api)")
    metric_ru: str = Field(min_length=1, max_length=1000)
    unit: str = Field(min_length=1, max_length=100)
    direction: Direction = Direction.LOWER_IS_BETTER
    measurements: Sample = Field(max_length=10_000)


class MeasurementsReplace(RequestModel):
    model_config = ConfigDict(extra="forbid")

    measurements: Sample = Field(max_length=10_000)
    reason: str | None = Field(default=None, max_length=2000)


class MeasurementRead(BaseModel):
    value: Number
    measured_on: Day | None
    note: str | None


class SelfAssessmentRead(BaseModel):
    """``current_value`` is the worst measurement (the method's rule); ``sample_ok`` is false below
    10 measurements — such an assessment is kept, and says so."""

    id: int
    life_situation_code: str
    region_code: str
    org_unit_code: str
    rural: bool | None
    indicator_code: str
    metric_ru: str
    unit: str
    direction: Direction
    n: int
    min_measurements: int
    sample_ok: bool
    current_value: Number | None
    best_value: Number | None
    mean: Number | None
    warnings: list[str]
    measurements: list[MeasurementRead]
    version: int
    created_at: datetime
    updated_at: datetime


class InstitutionBaseline(BaseModel):
    org_unit_code: str
    rural: bool | None
    assessment_id: int
    n: int
    sample_ok: bool
    current_value: Number | None


class BaselineRead(BaseModel):
    """The region's baseline of an indicator from its self-assessments: the worst measurement over
    every institution. ``sample_ok`` holds when every institution has enough measurements and the
    institutions meet the method's rule; ``warnings`` say what is missing."""

    life_situation_code: str
    region_code: str
    indicator_code: str
    direction: Direction | None
    unit: str | None
    value: Number | None
    measurements: int
    institutions: list[InstitutionBaseline]
    sample_ok: bool
    warnings: list[str]


class KpiBaselineFromAssessment(RequestModel):
    """Take a draft roadmap KPI's baseline from the region's self-assessments of a life situation."""

    model_config = ConfigDict(extra="forbid")

    life_situation_code: Code
    accept_small_sample: bool = Field(
        default=False, description="Apply even when the self-assessment falls short of the method's rule"
    )


class KpiBaselineRead(BaseModel):
    roadmap_id: int
    indicator_code: str
    baseline: Number
    previous_baseline: Number | None
    self_assessment: BaselineRead
