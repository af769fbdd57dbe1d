from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field

from roadmap_api.common import Code, Day, Label
from roadmap_api.tasks.rules import TaskStatus


class TaskCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "title": "Открыть call-центр записи к врачу",
                    "start_date": "2025-02-01",
                    "due_date": "2025-06-30",
                    "responsible": "Министерство здравоохранения Мурманской области",
                    "co_assignees": ["МИАЦ"],
                    "expected_result": "Время ожидания ответа оператора ≤ 6 мин.",
                }
            ]
        },
    )

    title: str = Field(min_length=1, max_length=1000)
    parent_id: int | None = Field(default=None, description="An activity or a task of the same roadmap")
    start_date: Day
    due_date: Day
    responsible: Label
    co_assignees: list[Label] = Field(default_factory=list, max_length=50)
    expected_result: str | None = Field(default=None, max_length=5000)
    org_unit_code: Code | None = Field(default=None, description="The org unit the task is carried out in")


class TaskUpdate(BaseModel):
    """Fields to change; absent fields stay. ``parent_id: null`` moves the task to the root."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"status": "done", "completed_on": "2025-06-20"}]}
    )

    title: str | None = Field(default=None, min_length=1, max_length=1000)
    parent_id: int | None = None
    start_date: Day | None = None
    due_date: Day | None = None
    responsible: Label | None = None
    co_assignees: list[Label] | None = Field(default=None, max_length=50)
    expected_result: str | None = Field(default=None, max_length=5000)
    org_unit_code: Code | None = None
    status: TaskStatus | None = None
    completed_on: Day | None = None


class TaskRead(BaseModel):
    id: int
    roadmap_id: int
    parent_id: int | None
    level: str = Field(description="activity, task or subtask")
    title: str
    expected_result: str | None
    start_date: date | None
    due_date: date
    baseline_start_date: date | None = Field(description="From the approved plan; null before approval")
    baseline_due_date: date | None
    responsible: str
    co_assignees: list[str]
    org_unit_code: str | None
    status: TaskStatus
    completed_on: date | None
    version: int
    created_at: datetime
    updated_at: datetime


class CommentCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str = Field(min_length=1, max_length=5000)


class CommentRead(BaseModel):
    id: int
    task_id: int
    author: str
    text: str
    created_at: datetime
