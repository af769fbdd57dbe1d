"""Detractor follow-ups (CONTRACT.md, roadmap-api): a patient's NPS 0–6 with a comment opens a
follow-up in roadmap-api; the share of them followed up within 48 hours is what kpi-api pulls.

The denominator of the share is the detractors *with a comment* — the ones that open a follow-up; a
detractor without a comment gives nothing to answer and is not counted. A follow-up counts as
followed up within 48 h when its work (the roadmap task, or the follow-up itself) was marked done
within 48 hours of the response's submission. Rows roll up as Σ numerators ÷ Σ denominators, never as
a mean of shares; an empty denominator gives ``share: null``.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from pydantic import BaseModel, Field

from zdrav_shared.contracts.execution import JsonNumber


class SummaryLevel(StrEnum):
    ORG_UNIT = "org_unit"
    REGION = "region"
    FEDERATION = "federation"


class FollowupSummaryRow(BaseModel):
    """One org unit's, region's or the federation's follow-ups of detractors submitted in ``period``."""

    org_unit_code: str = Field(description="The org unit, region or RU the row is about")
    region_code: str | None = Field(description="The region (null on the federation row)")
    level: SummaryLevel
    period: str
    detractors: int = Field(ge=0, description="Detractors with a comment (each opened a follow-up)")
    followed_up_48h: int = Field(ge=0, description="Of them, done within 48 h of the response's submission")
    share: JsonNumber | None = Field(description="followed_up_48h ÷ detractors × 100; null when detractors is 0")
    done_late: int = Field(ge=0, description="Done, but more than 48 h after the submission")
    pending: int = Field(ge=0, description="Not done, due date not yet passed (region's local date)")
    overdue: int = Field(ge=0, description="Not done, due date passed")


class FollowupSummary(BaseModel):
    """The follow-up figures of one period: per region (and per org unit when asked), plus the total."""

    period: str
    as_of: datetime = Field(description="When the figures were read (pending and overdue depend on it)")
    rows: list[FollowupSummaryRow]


def share_of(numerator: int, denominator: int) -> Decimal | None:
    """``numerator ÷ denominator × 100`` (unrounded), or None for an empty denominator."""
    return None if denominator == 0 else Decimal(numerator) * 100 / Decimal(denominator)
