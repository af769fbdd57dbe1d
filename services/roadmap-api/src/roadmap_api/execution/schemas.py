from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict, Field

from roadmap_api.execution.rules import DueState
from roadmap_api.tasks.rules import TaskStatus
from zdrav_shared.contracts.execution import ExecutionFigure, RegionExecution, RegionsExecution, RoadmapExecution

__all__ = [
    "DeviationList",
    "DeviationRead",
    "DueGroup",
    "DueList",
    "DueTask",
    "ExecutionFigure",
    "RegionExecution",
    "RegionsExecution",
    "RoadmapExecution",
    "RoadmapExecutionFigure",
]


class RoadmapExecutionFigure(ExecutionFigure):
    """The contract's figure of one roadmap, and the version it was measured against."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "as_of": "2025-06-30",
                    "due": 10,
                    "completed_on_time": 7,
                    "completed_late": 2,
                    "overdue": 1,
                    "cancelled_after_approval": 0,
                    "execution_pct": 90.0,
                    "threshold_pct": 90.0,
                    "meets_threshold": True,
                    "plan_version": 2,
                }
            ]
        }
    )

    plan_version: int | None = Field(
        description="The approved version in force on as_of (the first approved one for an earlier date); "
        "null for a roadmap never approved, measured on its working plan"
    )


class DueTask(BaseModel):
    """An open task that is overdue or due soon."""

    task_id: int
    roadmap_id: int
    region_code: str
    title: str
    responsible: str
    co_assignees: list[str]
    org_unit_code: str | None
    status: TaskStatus
    due_date: date
    state: DueState = Field(description="overdue or due_soon")
    days: int = Field(description="days past due (overdue, ≥ 0) or days left (due_soon, > 0)")


class DueGroup(BaseModel):
    key: str | None = Field(description="The responsible, or the org unit code (null = no org unit)")
    overdue: int
    due_soon: int


class DueList(BaseModel):
    as_of: date
    within_days: int
    items: list[DueTask]
    truncated: bool = Field(description="True when more tasks match than `limit`; the groups count them all")
    by_responsible: list[DueGroup]
    by_org_unit: list[DueGroup]


class DeviationRead(BaseModel):
    """A task whose due or completion date moved away from the approved baseline."""

    task_id: int
    title: str
    responsible: str
    status: TaskStatus
    baseline_start_date: date | None
    baseline_due_date: date
    start_date: date | None
    due_date: date
    completed_on: date | None
    reschedule_days: int = Field(description="current due − baseline due (positive = postponed)")
    delay_days: int = Field(description="completion (or as_of for an open task) − baseline due; negative = early")
    settled: bool = Field(description="True when the task is completed, so the delay is final")


class DeviationList(BaseModel):
    roadmap_id: int
    as_of: date
    plan_version: int | None = Field(description="The approved version the dates are compared with")
    items: list[DeviationRead]
