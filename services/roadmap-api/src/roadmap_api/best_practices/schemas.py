from __future__ import annotations

from datetime import datetime

from pydantic import AnyHttpUrl, BaseModel, ConfigDict, Field

from roadmap_api.common import Code, Label
from zdrav_shared.validation import RequestModel

Text = str


class BestPracticeCreate(RequestModel):
    """A best practice: name, the regions where it works, its measurable result, the life
    situations it suits and a link. ``owner`` defaults to the caller's (``RU`` for federal)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "code": "mur-bp-1",
                    "name_ru": "Единая диспетчерская записи к кардиологу",
                    "regions_ru": ["Мурманская область"],
                    "result_ru": "ожидание записи с 14 до 5 дней",
                    "life_situation_codes": ["nsi-health-1"],
                    "url": "https://smarteka.com/practices/example",
                }
            ]
        },
    )

    code: Code
    name_ru: str = Field(min_length=1, max_length=1000)
    regions_ru: list[Label] = Field(default_factory=list, max_length=100)
    result_ru: str | None = Field(default=None, max_length=5000, description="The measurable result")
    life_situation_codes: list[Code] = Field(default_factory=list, max_length=50)
    url: AnyHttpUrl | None = Field(default=None, description="A link to the practice (e.g. Smarteka)")
    owner: Code | None = Field(default=None, description="`RU` (federal) or a region; default: the caller's")


class BestPracticeUpdate(RequestModel):
    model_config = ConfigDict(extra="forbid")

    name_ru: str | None = Field(default=None, min_length=1, max_length=1000)
    regions_ru: list[Label] | None = Field(default=None, max_length=100)
    result_ru: str | None = Field(default=None, max_length=5000)
    life_situation_codes: list[Code] | None = Field(default=None, max_length=50)
    url: AnyHttpUrl | None = None
    reason: str | None = Field(default=None, max_length=2000, description="Why it changes (kept in the audit trail)")


class BestPracticeRead(BaseModel):
    id: int
    code: str
    name_ru: str
    regions_ru: list[str]
    result_ru: str | None
    life_situation_codes: list[str]
    url: str | None
    source_ru: str | None
    owner: str
    version: int
    created_at: datetime
    updated_at: datetime


class FederalProposalRead(BaseModel):
    """A measure marked "(Ф)" (it needs a decision at federal level) with its proposals for the
    federal roadmap."""

    region_code: str
    roadmap_id: int
    roadmap_title: str
    roadmap_status: str
    life_situation: str
    measure_id: int
    problem: str
    solution: str
    federal_proposals: list[str]
