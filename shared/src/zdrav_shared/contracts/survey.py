"""survey-api's aggregate figures, as kpi-api (and dashboards) read them from ``GET /v1/aggregates``.

Field names and meanings are fixed by the client contract: ``satisfaction_share`` is the percentage
answering ``yes`` or ``rather_yes`` to ``q1_process`` among those who gave one of the method's four
answers (``dont_know`` is reported beside it, never in the denominator); ``nps`` is
% promoters (9–10) − % detractors (0–6) among those who answered ``nps``; ``sample_ok`` is false
below the campaign's minimum sample. Figures are JSON numbers rounded half-up to one decimal;
``null`` when nobody answered.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, Field


class AggregateGroupBy(StrEnum):
    """How ``GET /v1/aggregates`` splits its rows."""

    ORG_UNIT = "org_unit"
    CHANNEL = "channel"
    MONTH = "month"
    QUARTER = "quarter"


class QuestionShare(BaseModel):
    """The share of positive answers to one satisfaction question."""

    code: str = Field(examples=["q2_documents"])
    answered: int = Field(description="Answers that are one of the method's four (dont_know not included)")
    positive: int
    dont_know: int = Field(default=0, description="Answers dont_know: not in the share's denominator")
    share: float | None = Field(description="Percentage of yes / rather_yes among the four-answer responses")


class PreviousFigures(BaseModel):
    """The same group's figures in the previous period, for comparison."""

    period: str = Field(examples=["2025Q1"])
    n: int
    satisfaction_share: float | None
    dont_know: int = Field(default=0, description="Answers dont_know to q1_process: not in the denominator")
    screened_out: int = Field(default=0, description="Responses a screening «no» keeps out of every figure")
    nps: float | None
    sample_ok: bool


class SurveyAggregateRow(BaseModel):
    """One row of ``GET /v1/aggregates``: an org unit's subtree, a channel or a month of it."""

    org_unit_code: str | None = Field(default=None, examples=["MUR-GP1"])
    channel: str | None = Field(default=None, examples=["kiosk"])
    period: str = Field(examples=["2025Q2"])
    n: int = Field(description="Responses in the group (those screened out not included)")
    satisfaction_share: float | None = Field(examples=[82.5])
    dont_know: int = Field(default=0, description="Answers dont_know to q1_process: not in the share's denominator")
    screened_out: int = Field(
        default=0, description="Responses whose screening answer is «no»: stored, counted here only, in no figure"
    )
    satisfaction_ci95: list[float] | None = Field(default=None, description="Wilson 95 % interval, percent")
    nps: float | None = Field(examples=[41.2])
    promoters: int
    passives: int
    detractors: int
    nps_ci95: list[float] | None = Field(description="95 % interval of the NPS, [lo, hi]")
    sample_ok: bool
    questions: list[QuestionShare] = Field(default_factory=list, description="Per-question satisfaction shares")
    previous: PreviousFigures | None = Field(default=None, description="The previous period's figures")
    satisfaction_change_significant: bool = False
    nps_change_significant: bool = False
    suggested_satisfaction_target: float | None = Field(
        default=None, description="Current share + 25 % of the gap to 90 (the national method's rule)"
    )
    suggested_nps_target: float | None = Field(default=None, description="Current NPS + 25 % of the gap to 30")


class SurveyAggregates(BaseModel):
    """The answer of ``GET /v1/aggregates``."""

    campaign_code: str
    org_unit_code: str
    period: str
    group_by: AggregateGroupBy | None = None
    minimum_sample: int
    rows: list[SurveyAggregateRow]
    data_as_of: datetime | None = Field(
        default=None, description="The counts include every response stored up to this moment (read replica lag)"
    )


class OrgUnitAggregateRow(BaseModel):
    """One requested org unit's subtree, over one campaign or every campaign of one questionnaire
    (``nsi-standard`` by default) in the period.

    The counts are returned beside the figures so that a caller can roll several units up itself
    (a ratio of sums): ``satisfaction_share`` = ``satisfied`` ÷ ``satisfaction_answered`` × 100 and
    ``nps`` = (``promoters`` − ``detractors``) ÷ (``promoters`` + ``passives`` + ``detractors``) × 100.
    """

    org_unit_code: str = Field(examples=["RU-MUR"])
    n: int = Field(description="Responses in the subtree (those screened out not included)")
    satisfied: int = Field(description="Answers yes / rather_yes to q1_process")
    satisfaction_answered: int = Field(description="Answers to q1_process with one of the method's four answers")
    dont_know: int = Field(default=0, description="Answers dont_know to q1_process: not in the denominator")
    screened_out: int = Field(
        default=0, description="Responses whose screening answer is «no»: stored, counted here only, in no figure"
    )
    satisfaction_share: float | None = Field(examples=[82.5])
    nps: float | None = Field(examples=[41.2])
    promoters: int
    passives: int
    detractors: int
    nps_ci95: list[float] | None = Field(description="95 % interval of the NPS, [lo, hi]")
    sample_ok: bool
    campaigns: list[str] = Field(default_factory=list, description="Campaigns with responses in the subtree")


class OrgUnitAggregates(BaseModel):
    """The answer of ``GET /v1/aggregates/org-units``: one row per requested org unit, in the order
    asked (units without responses get a row with ``n = 0``). Without a campaign, only responses to
    the national questionnaire ``nsi-standard`` (or the one questionnaire asked for) count: another
    questionnaire never mixes in."""

    period: str = Field(examples=["2025Q2"])
    campaign_code: str | None = Field(
        default=None, description="null: every campaign of the questionnaire overlapping the period"
    )
    questionnaire_code: str | None = Field(
        default=None, description="The questionnaire whose responses were counted", examples=["nsi-standard"]
    )
    purpose: str | None = Field(
        default=None, description="self_assessment or monitoring when narrowed to one; null: both"
    )
    minimum_sample: int
    rows: list[OrgUnitAggregateRow]
    data_as_of: datetime | None = Field(
        default=None, description="The counts include every response stored up to this moment (read replica lag)"
    )
