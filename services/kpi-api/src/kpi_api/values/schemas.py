from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, WithJsonSchema

from kpi_api.numbers import InputNumber, JsonNumber
from zdrav_shared.openapi import embedded_schema
from zdrav_shared.periods import PeriodField
from zdrav_shared.problems import Problem
from zdrav_shared.validation import PerItem, RequestModel

MAX_VALUE_ITEMS = 5000


class ValueStatus(StrEnum):
    """The approval workflow: draft → submitted → approved (locked); reopen goes back to draft."""

    DRAFT = "draft"
    SUBMITTED = "submitted"
    APPROVED = "approved"


class ValueState(StrEnum):
    """A cell with no number, and why: "x" (``not_applicable``), "нет должности" (``no_post``), "-"
    (``not_reported``). Stored as such with no value; never 0, and never counted in a roll-up."""

    NOT_APPLICABLE = "not_applicable"
    NO_POST = "no_post"
    NOT_REPORTED = "not_reported"


class ItemOutcome(StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    REJECTED = "rejected"


class ValueItem(RequestModel):
    """One reported value. A ``ratio`` indicator takes ``numerator`` and ``denominator`` (the value is
    numerator ÷ denominator × scale; a ``value`` sent beside them must agree with it at the indicator's
    precision); every other indicator takes ``value``. ``version`` (optional) is the version last read:
    the write applies only if the value is still at it (compare-and-set), else it is refused (409)."""

    model_config = ConfigDict(extra="forbid")

    indicator_code: str = Field(min_length=1, max_length=64)
    org_unit_code: str = Field(min_length=1, max_length=64)
    period: PeriodField
    value: InputNumber | None = None
    numerator: InputNumber | None = Field(default=None, description="Ratio indicators: the count on top")
    denominator: InputNumber | None = Field(default=None, description="Ratio indicators: the count below (> 0)")
    state: ValueState | None = Field(
        default=None, description="No number, and why (then no value, numerator or denominator may be sent)"
    )
    comment: str | None = Field(default=None, max_length=2000)
    version: int | None = Field(default=None, ge=1, le=2_147_483_647)


# Items are validated one by one so that a bad item is rejected alone; the schema still documents them.
_ITEM_SCHEMA = {
    "type": "array",
    "minItems": 1,
    "maxItems": MAX_VALUE_ITEMS,
    "items": embedded_schema(ValueItem),
}


class ValuesPost(RequestModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "items": [
                        {"indicator_code": "PHYSICIANS", "org_unit_code": "MUR-GP1", "period": "2025Q2", "value": 45},
                        {"indicator_code": "POSITIONS", "org_unit_code": "MUR-GP1", "period": "2025Q2", "value": 60},
                        {
                            "indicator_code": "SCREENED_SHARE",
                            "org_unit_code": "MUR-GP1",
                            "period": "2025Q2",
                            "numerator": 412,
                            "denominator": 530,
                        },
                    ],
                    "submit": True,
                }
            ]
        },
    )

    items: Annotated[list[dict[str, Any]], PerItem(), WithJsonSchema(_ITEM_SCHEMA)] = Field(
        min_length=1, max_length=MAX_VALUE_ITEMS
    )
    submit: bool = Field(default=False, description="Submit the stored values at once (else they stay drafts)")


class ValueResult(BaseModel):
    index: int
    status: ItemOutcome
    problem: Problem | None = None
    id: int | None = None
    version: int | None = None
    workflow: ValueStatus | None = None
    outlier: bool | None = None
    outlier_reason: str | None = None
    late: bool | None = None


class ValuesResult(BaseModel):
    results: list[ValueResult]


class ValueRead(BaseModel):
    id: int
    indicator_code: str
    org_unit_code: str
    period: str
    value: JsonNumber | None = Field(description="Null exactly when state says why there is no number")
    state: ValueState | None = None
    numerator: JsonNumber | None = Field(default=None, description="Ratio indicators: the counts entered")
    denominator: JsonNumber | None = None
    comment: str | None = None
    status: ValueStatus
    version: int
    outlier: bool
    outlier_reason: str | None = None
    submitted_at: datetime | None = None
    late: bool | None = None
    approved_at: datetime | None = None
    approved_by: str | None = None
    updated_by: str = Field(description="Who made the last change of any kind (a write or a workflow step)")
    entered_by: str | None = Field(default=None, description="Who last entered the figure: may not approve it")
    submitted_by: str | None = Field(default=None, description="Who submitted it: may not approve it")
    created_at: datetime
    updated_at: datetime


class ReopenBody(RequestModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=3, max_length=2000, description="Why the approved value is reopened")


class WorkflowBody(RequestModel):
    model_config = ConfigDict(extra="forbid")

    comment: str | None = Field(default=None, max_length=2000)


__all__ = ["PeriodField"]
