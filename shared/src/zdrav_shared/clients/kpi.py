"""kpi-api seen from another service: current indicator values for org units and periods, and
event-driven reporting obligations.

``GET /v1/analytics?indicators=A,B&org_units=X&periods=P`` answers ``{rows: [...]}`` (CONTRACT.md).
Callers that only decorate their own answers with current values use :meth:`KpiClient.current_values`,
which never raises: when kpi-api is down, does not serve analytics yet (404) or answers something
unexpected, every value comes back ``None`` with a reason.

``POST /v1/report-submissions {report_type, org_unit_code, event_date}`` records an event that
starts a reporting obligation (a change notice due within 3 working days); see
:meth:`KpiClient.submit_report_event`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, ValidationError

from zdrav_shared.http_client import PeerError, PeerUnavailable, ServiceClient
from zdrav_shared.logging import get_logger

log = get_logger(__name__)


class AnalyticsRow(BaseModel):
    """One row of kpi-api's analytics answer (extra fields are ignored)."""

    model_config = ConfigDict(extra="ignore")

    indicator_code: str
    org_unit_code: str
    period: str
    value: Decimal | None = None
    reason: str | None = None
    target: Decimal | None = None
    status: str | None = None


class ReportSubmissionAck(BaseModel):
    """kpi-api's answer to a report submission (extra fields are ignored). ``due_at`` is in the org
    unit's region time zone, as kpi-api computes it."""

    model_config = ConfigDict(extra="ignore")

    id: int | str | None = None
    report_type: str | None = None
    org_unit_code: str | None = None
    event_date: date | None = None
    due_at: str | None = None
    on_time: bool | None = None
    status: str | None = None


class AnalyticsAnswer(BaseModel):
    """The analytics document."""

    model_config = ConfigDict(extra="ignore")

    rows: list[AnalyticsRow]


@dataclass(frozen=True, slots=True)
class CurrentValue:
    """A value, or ``None`` with the reason it is missing."""

    value: Decimal | None
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class CurrentValues:
    """Values keyed by ``(indicator_code, org_unit_code, period)``; ``unavailable`` says why none
    could be read at all (then every lookup answers ``None`` with that reason)."""

    rows: dict[tuple[str, str, str], AnalyticsRow] = field(default_factory=dict)
    unavailable: str | None = None

    def get(self, indicator_code: str, org_unit_code: str, period: str) -> CurrentValue:
        """The value of one indicator, org unit and period."""
        if self.unavailable is not None:
            return CurrentValue(None, self.unavailable)
        row = self.rows.get((indicator_code, org_unit_code, period))
        if row is None:
            return CurrentValue(None, "kpi-api has no value for this indicator, org unit and period")
        return CurrentValue(row.value, row.reason if row.value is None else None)


class KpiClient:
    """A typed client of kpi-api's analytics."""

    def __init__(self, client: ServiceClient, timeout_s: float = 3.0) -> None:
        self.client = client
        self.timeout_s = timeout_s

    async def analytics(
        self, indicators: Sequence[str], org_units: Sequence[str], periods: Sequence[str]
    ) -> AnalyticsAnswer | None:
        """The analytics rows; ``None`` when kpi-api answers 404. Raises :class:`PeerUnavailable`
        when it does not answer and :class:`PeerError` on another client error."""
        params = {"indicators": ",".join(indicators), "org_units": ",".join(org_units), "periods": ",".join(periods)}
        return await self.client.get_model("/v1/analytics", AnalyticsAnswer, params=params, timeout_s=self.timeout_s)

    async def current_values(
        self, indicators: Sequence[str], org_units: Sequence[str], periods: Sequence[str]
    ) -> CurrentValues:
        """Like :meth:`analytics`, but degrading to "unavailable, because …" instead of raising."""
        if not indicators or not org_units or not periods:
            return CurrentValues()
        try:
            answer = await self.analytics(sorted(set(indicators)), sorted(set(org_units)), sorted(set(periods)))
        except PeerUnavailable:
            return CurrentValues(unavailable="kpi-api is unavailable")
        except (PeerError, ValidationError) as exc:
            log.warning("kpi_analytics_unusable", error=type(exc).__name__)
            return CurrentValues(unavailable="kpi-api answered the analytics request unexpectedly")
        if answer is None:
            return CurrentValues(unavailable="kpi-api does not serve analytics yet")
        return CurrentValues(rows={(r.indicator_code, r.org_unit_code, r.period): r for r in answer.rows})

    async def submit_report_event(
        self, report_type: str, org_unit_code: str, event_date: date, *, idempotency_key: str | None = None
    ) -> ReportSubmissionAck:
        """Record an event that starts a reporting obligation in kpi-api (``POST
        /v1/report-submissions`` with ``event_date``).

        Sent once, never retried here: a POST is not idempotent unless kpi-api honours the
        ``Idempotency-Key`` header sent with it, so retrying is the caller's decision (an outbox
        that keeps the event until it is acknowledged). A 409 means kpi-api already holds the
        submission and is answered as an acknowledgement. Raises :class:`PeerUnavailable` when
        kpi-api does not answer or answers a server error, :class:`PeerError` on another client
        error (an unknown report type, an org unit kpi-api does not know…).
        """
        body = {"report_type": report_type, "org_unit_code": org_unit_code, "event_date": event_date.isoformat()}
        headers = {"idempotency-key": idempotency_key} if idempotency_key else None
        response = await self.client.request(
            "POST", "/v1/report-submissions", json=body, headers=headers, timeout_s=self.timeout_s, idempotent=False
        )
        if response.status_code >= 500:
            raise PeerUnavailable(f"kpi-api answered {response.status_code}", target=self.client.target)
        if response.status_code == 409:
            return ReportSubmissionAck(
                report_type=report_type, org_unit_code=org_unit_code, event_date=event_date, status="already_recorded"
            )
        if response.status_code >= 400:
            raise PeerError(self.client.target, response.status_code, response.text)
        try:
            return ReportSubmissionAck.model_validate_json(response.content or b"{}")
        except ValidationError:
            # Accepted, but with a body we cannot read: the obligation exists all the same.
            log.warning("kpi_report_submission_unreadable", report_type=report_type)
            return ReportSubmissionAck(report_type=report_type, org_unit_code=org_unit_code, event_date=event_date)
