from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field

from roadmap_api.common import Code, Day, Label
from roadmap_api.tasks.rules import Recurrence, TaskStatus
from zdrav_shared.validation import RequestModel

RECURRENCE_HELP = (
    "once: due on due_date; ongoing («на постоянной основе»): confirmed every quarter from start_date "
    "to due_date; yearly («ежегодно»): due every year on due_date's day and month"
)


class TaskCreate(RequestModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "title": "Открыть call-центр записи к врачу",
                    "start_date": "2025-02-01",
                    "due_date": "2025-06-30",
                    "responsible": "Министерство здравоохранения Мурманской области",
                    "responsible_bodies": [
                        "Министерство здравоохранения Мурманской области",
                        "Министерство строительства Мурманской области",
                    ],
                    "co_assignees": ["МИАЦ"],
                    "expected_result": "Время ожидания ответа оператора ≤ 6 мин.",
                    "org_unit_code": "MUR-GP1",
                    "recurrence": "once",
                }
            ]
        },
    )

    title: str = Field(min_length=1, max_length=1000)
    parent_id: int | None = Field(
        default=None, ge=1, le=2_147_483_647, description="An activity or a task of the same roadmap"
    )
    start_date: Day
    due_date: Day
    responsible: Label
    responsible_bodies: list[Label] | None = Field(
        default=None,
        min_length=1,
        max_length=20,
        description="Each responsible body on its own; default: [responsible]",
    )
    co_assignees: list[Label] = Field(default_factory=list, max_length=50)
    expected_result: str | None = Field(default=None, max_length=5000)
    org_unit_code: Code | None = Field(
        default=None,
        description="The organisation that carries it out: its mo_operator may update status, dates and metrics",
    )
    recurrence: Recurrence = Field(default=Recurrence.ONCE, description=RECURRENCE_HELP)


class TaskUpdate(RequestModel):
    """Fields to change; absent fields stay. ``parent_id: null`` moves the task to the root. An
    ``mo_operator`` of the task's org unit may send only ``status``, ``completed_on``,
    ``start_date``, ``due_date``, ``progress_pct`` and ``actual_result``."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"status": "done", "completed_on": "2025-06-20"}]}
    )

    title: str | None = Field(default=None, min_length=1, max_length=1000)
    parent_id: int | None = Field(default=None, ge=1, le=2_147_483_647)
    start_date: Day | None = None
    due_date: Day | None = None
    responsible: Label | None = None
    responsible_bodies: list[Label] | None = Field(default=None, min_length=1, max_length=20)
    co_assignees: list[Label] | None = Field(default=None, max_length=50)
    expected_result: str | None = Field(default=None, max_length=5000)
    org_unit_code: Code | None = None
    recurrence: Recurrence | None = None
    status: TaskStatus | None = None
    completed_on: Day | None = None
    progress_pct: int | None = Field(default=None, ge=0, le=100, description="How far along, in per cent")
    version: int | None = Field(
        default=None,
        ge=1,
        le=2_147_483_647,
        description="The version read (the number in the ETag): a compare-and-set like If-Match (which wins)",
    )
    actual_result: str | None = Field(default=None, max_length=5000, description="What was achieved")


class TaskRead(BaseModel):
    id: int
    roadmap_id: int
    parent_id: int | None
    level: str = Field(description="activity, task or subtask")
    title: str
    expected_result: str | None
    start_date: date | None
    due_date: date
    baseline_start_date: date | None = Field(
        description="The start date in the approved version in force; null before approval or when not in it"
    )
    baseline_due_date: date | None = Field(description="The due date execution measures the task against")
    in_approved_plan: bool = Field(
        description="False for a task added (or cancelled) since the version in force was approved: it counts "
        "once a revision with it is approved"
    )
    recurrence: Recurrence
    responsible: str
    responsible_bodies: list[str]
    co_assignees: list[str]
    org_unit_code: str | None
    status: TaskStatus
    completed_on: date | None
    cancelled_on: date | None
    progress_pct: int | None
    actual_result: str | None
    version: int
    created_at: datetime
    updated_at: datetime


class CommentCreate(RequestModel):
    model_config = ConfigDict(extra="forbid")

    text: str = Field(min_length=1, max_length=5000)


class CommentRead(BaseModel):
    id: int
    task_id: int
    author: str
    text: str
    created_at: datetime


class ReportPut(RequestModel):
    """The confirmation that a recurring task was carried out in a period."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"completed_on": "2025-03-28", "note": "Приём на обучение: +32 %"}]},
    )

    completed_on: Day = Field(description="When the period's work was done (not after today in the region)")
    note: str | None = Field(default=None, max_length=5000)


class OccurrenceRead(BaseModel):
    """One period of a recurring task and its report, if any."""

    period: str
    due_date: date = Field(description="In the working plan")
    completed_on: date | None
    note: str | None
    reported_by: str | None
    reported_at: datetime | None


class ReportList(BaseModel):
    task_id: int
    recurrence: Recurrence
    items: list[OccurrenceRead]
