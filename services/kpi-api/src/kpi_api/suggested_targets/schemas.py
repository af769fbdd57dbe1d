from __future__ import annotations

from pydantic import BaseModel, Field

from kpi_api.indicators.rules import Direction
from kpi_api.numbers import JsonNumber


class SuggestedTarget(BaseModel):
    """The national method's next target for an indicator at an org unit."""

    indicator_code: str
    org_unit_code: str
    period: str
    direction: Direction
    current: JsonNumber | None = Field(description="The indicator's value for the period (as analytics computes it)")
    current_reason: str | None = Field(default=None, description="Why there is no current value")
    long_term: JsonNumber | None = None
    long_term_source: str | None = Field(
        default=None, description="query, or target:<period> — the target furthest ahead for the org unit"
    )
    gap_share: JsonNumber
    suggested_target: JsonNumber | None = Field(description="Rounded to the indicator's precision")
    suggested_target_exact: JsonNumber | None = None
    rule_ru: str
