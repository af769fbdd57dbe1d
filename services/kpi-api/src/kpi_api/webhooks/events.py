"""The events kpi-api writes into its outbox, in the transaction of the change they report."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from kpi_api.models import IndicatorValue
from kpi_api.models.webhooks import WEBHOOKS
from kpi_api.numbers import plain
from kpi_api.org_units.rules import path_codes
from zdrav_shared.webhooks.outbox import emit

VALUE_SUBMITTED = "value.submitted"
VALUE_APPROVED = "value.approved"
VALUE_REOPENED = "value.reopened"
DEADLINE_MISSED = "report.deadline_missed"
EVENTS = (VALUE_SUBMITTED, VALUE_APPROVED, VALUE_REOPENED, DEADLINE_MISSED)
STEP_EVENTS = {"submit": VALUE_SUBMITTED, "approve": VALUE_APPROVED, "reopen": VALUE_REOPENED}


def _number(value: Decimal | None) -> str | None:
    # Exact decimals as strings ("82.3"): a JSON number would pass through a receiver's float.
    shown = plain(value)
    return None if shown is None else str(shown)


async def value_event(
    session: AsyncSession,
    event: str,
    value: IndicatorValue,
    indicator_code: str,
    unit_path: str,
    by: str,
    occurred_at: datetime,
    reason: str | None = None,
) -> None:
    """A value's step (submitted, approved, reopened); subject ``value:<id>`` keeps its steps in order."""
    codes = path_codes(unit_path)
    data = {
        "value_id": value.id,
        "indicator_code": indicator_code,
        "org_unit_code": codes[-1],
        "period": value.period,
        "value": _number(value.value),
        "numerator": _number(value.numerator),
        "denominator": _number(value.denominator),
        "status": value.status,
        "version": value.version,
        "late": value.late,
        "by": by,
        "reason": reason,
    }
    subject = f"value:{value.id}"
    await emit(session, WEBHOOKS, event=event, subject=subject, scope=codes, data=data, occurred_at=occurred_at)
