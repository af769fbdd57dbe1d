"""Plan-execution figures of roadmaps (CONTRACT.md, roadmap-api): what roadmap-api serves and what
kpi-api pulls for the quarterly report. The field names and meanings are fixed by the contract."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer, WithJsonSchema

JsonNumber = Annotated[
    Decimal,
    PlainSerializer(float, return_type=float, when_used="json"),
    WithJsonSchema({"type": "number"}),
]
"""An exact Decimal inside the service, a JSON number on the wire (the contract wants numbers)."""


class ExecutionFigure(BaseModel):
    """The execution of one roadmap as of a date.

    ``due`` counts leaf tasks with ``due_date <= as_of`` — once the roadmap is approved, the due date
    of the approved version, and cancelled tasks excluded only when they were cancelled before
    approval; ``execution_pct`` is those of them completed on or before ``as_of`` ÷ ``due`` × 100
    (``null`` when nothing is due); ``completed_late`` those completed after their ``due_date``;
    ``overdue`` due and not completed — including ``cancelled_after_approval``, the tasks cancelled
    after approval that stay due until a revised version is approved without them.
    ``due == completed_on_time + completed_late + overdue``.
    """

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "as_of": "2025-06-30",
                    "due": 10,
                    "completed_on_time": 7,
                    "completed_late": 2,
                    "overdue": 1,
                    "execution_pct": 90.0,
                    "threshold_pct": 90.0,
                    "meets_threshold": True,
                }
            ]
        }
    )

    as_of: date
    due: int = Field(ge=0)
    completed_on_time: int = Field(ge=0)
    completed_late: int = Field(ge=0)
    overdue: int = Field(ge=0)
    cancelled_after_approval: int = Field(
        default=0, ge=0, description="Tasks cancelled after approval: still due, counted in overdue"
    )
    execution_pct: JsonNumber | None = Field(description="null when nothing is due")
    threshold_pct: JsonNumber
    meets_threshold: bool | None = Field(description="null when nothing is due")


class RoadmapExecution(ExecutionFigure):
    """One roadmap's figure inside a region-wide answer."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "roadmap_id": 7,
                    "title": "Плановая специализированная помощь пациентам с ССЗ",
                    "status": "approved",
                    "as_of": "2025-06-30",
                    "due": 10,
                    "completed_on_time": 7,
                    "completed_late": 2,
                    "overdue": 1,
                    "execution_pct": 90.0,
                    "threshold_pct": 90.0,
                    "meets_threshold": True,
                }
            ]
        }
    )

    roadmap_id: int
    title: str
    status: str


class RegionExecution(BaseModel):
    """Execution over every roadmap of a region: ``total`` adds up the tasks of all of them (a
    ratio of sums, not an average of the roadmaps' percentages) and ``roadmaps`` lists each one."""

    region_code: str
    as_of: date
    total: ExecutionFigure
    roadmaps: list[RoadmapExecution]


class RegionsExecution(BaseModel):
    """Execution of every region's roadmaps in one answer (``GET /v1/execution/regions``): regions
    without a roadmap are absent."""

    as_of: date
    regions: list[RegionExecution]
