from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from kpi_api.indicators.rules import Periodicity
from kpi_api.report_types.rules import DueRuleKind
from zdrav_shared.contracts.org_units import OrgUnitLevel
from zdrav_shared.validation import RequestModel

CODE_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,63}$"


class DueRuleBody(RequestModel):
    """``rule`` and its parameters: ``day_of_next_period`` takes ``day`` (and ``months_after``, default 1),
    ``working_days_after_event`` takes ``days``, ``months_after_event`` takes ``months``;
    ``roll_forward`` moves a due day on a day off to the next working day."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"rule": "day_of_next_period", "day": 5}]}
    )

    rule: DueRuleKind
    day: int | None = Field(default=None, ge=1, le=31)
    months_after: int | None = Field(default=None, ge=0, le=12)
    days: int | None = Field(default=None, ge=1, le=60)
    months: int | None = Field(default=None, ge=1, le=24)
    roll_forward: bool = False


class DueRuleRead(DueRuleBody):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"rule": "day_of_next_period", "day": 5, "description_ru": "до 5-го числа следующего месяца"}]
        }
    )

    description_ru: str = Field(description="The rule as a form would print it")


class ReportTypeCreate(RequestModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "code": "mur_programme_quarterly",
                    "name_ru": "Отчёт о ходе реализации региональной программы",
                    "due": {"rule": "day_of_next_period", "day": 10, "months_after": 1},
                    "periodicity": "quarter",
                }
            ]
        },
    )

    code: str = Field(
        pattern=CODE_PATTERN, description="Letters, digits, '_', '-' and '.', e.g. regional_centre_change"
    )
    name_ru: str = Field(min_length=1, max_length=500)
    description: str | None = Field(default=None, max_length=5000)
    owner: str | None = Field(default=None, max_length=64, description="RU (federal) or a region's code")
    due: DueRuleBody
    periodicity: Periodicity | None = Field(default=None, description="Period reports only: month, quarter or year")
    expected_level: OrgUnitLevel = Field(
        default=OrgUnitLevel.REGION,
        description="Which org units are expected to submit it (missing when they have not): the region itself, "
        "or its units of a level",
    )


class ReportTypeUpdate(RequestModel):
    """Fields to change; ``reason`` goes into the history."""

    model_config = ConfigDict(extra="forbid")

    name_ru: str | None = Field(default=None, min_length=1, max_length=500)
    description: str | None = Field(default=None, max_length=5000)
    due: DueRuleBody | None = None
    periodicity: Periodicity | None = None
    expected_level: OrgUnitLevel | None = None
    active: bool | None = None
    reason: str | None = Field(default=None, max_length=2000)


class ReportTypeRead(BaseModel):
    code: str
    name_ru: str
    description: str | None = None
    owner: str
    due: DueRuleRead
    periodicity: Periodicity | None = None
    event_based: bool
    expected_level: OrgUnitLevel
    active: bool
    version: int
    created_at: datetime
    updated_at: datetime
