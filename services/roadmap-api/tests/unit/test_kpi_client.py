from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import httpx
import pytest
import respx

from zdrav_shared.clients.kpi import KpiClient
from zdrav_shared.http_client import PeerError, PeerUnavailable, ServiceClient

BASE = "http://kpi.test"


async def client_with(route: respx.Route, answer: httpx.Response | Exception) -> KpiClient:
    if isinstance(answer, Exception):
        route.side_effect = answer
    else:
        route.return_value = answer
    return KpiClient(ServiceClient(httpx.AsyncClient(), "kpi-api", BASE, retries=0, backoff_s=0))


class TestCurrentValues:
    async def test_rows_are_keyed_by_indicator_unit_and_period(self) -> None:
        with respx.mock(base_url=BASE) as mock:
            rows = [
                {"indicator_code": "A", "org_unit_code": "RU-MUR", "period": "2025", "value": 12.5, "extra": 1},
                {
                    "indicator_code": "B",
                    "org_unit_code": "RU-MUR",
                    "period": "2025",
                    "value": None,
                    "reason": "no data",
                },
            ]
            kpi = await client_with(mock.get("/v1/analytics"), httpx.Response(200, json={"rows": rows}))
            values = await kpi.current_values(["B", "A", "A"], ["RU-MUR"], ["2025"])
            assert mock.calls.last.request.url.params["indicators"] == "A,B"
        assert values.get("A", "RU-MUR", "2025").value == Decimal("12.5")
        assert values.get("B", "RU-MUR", "2025").reason == "no data"
        assert values.get("C", "RU-MUR", "2025").value is None

    async def test_every_failure_degrades_with_a_reason(self) -> None:
        answers: list[httpx.Response | Exception] = [
            httpx.Response(404),
            httpx.Response(503),
            httpx.Response(400, json={}),
            httpx.Response(200, json={"rows": "nope"}),
            httpx.ConnectError("down"),
        ]
        for answer in answers:
            with respx.mock(base_url=BASE) as mock:
                kpi = await client_with(mock.get("/v1/analytics"), answer)
                values = await kpi.current_values(["A"], ["RU-MUR"], ["2025"])
            current = values.get("A", "RU-MUR", "2025")
            assert current.value is None and current.reason, answer

    async def test_nothing_asked_makes_no_call(self) -> None:
        with respx.mock(base_url=BASE, assert_all_called=False) as mock:
            route = mock.get("/v1/analytics")
            kpi = await client_with(route, httpx.Response(500))
            assert (await kpi.current_values([], ["RU-MUR"], ["2025"])).rows == {}
            assert not route.called


class TestSubmitReportEvent:
    async def test_the_event_is_posted_once_with_its_key(self) -> None:
        with respx.mock(base_url=BASE) as mock:
            route = mock.post("/v1/report-submissions")
            answer = {"id": 5, "report_type": "regional_centre_change", "due_at": "2025-03-06T23:59:59+03:00", "x": 1}
            kpi = await client_with(route, httpx.Response(201, json=answer))
            ack = await kpi.submit_report_event(
                "regional_centre_change", "RU-MUR", date(2025, 3, 3), idempotency_key="k-1"
            )
            request = route.calls.last.request
        assert json.loads(request.content) == {
            "report_type": "regional_centre_change",
            "org_unit_code": "RU-MUR",
            "event_date": "2025-03-03",
        }
        assert request.headers["idempotency-key"] == "k-1"
        assert (ack.id, ack.due_at) == (5, "2025-03-06T23:59:59+03:00")

    async def test_a_conflict_is_an_acknowledgement(self) -> None:
        with respx.mock(base_url=BASE) as mock:
            kpi = await client_with(mock.post("/v1/report-submissions"), httpx.Response(409, json={}))
            ack = await kpi.submit_report_event("regional_centre_change", "RU-MUR", date(2025, 3, 3))
        assert ack.status == "already_recorded"

    async def test_an_unreadable_success_is_still_a_success(self) -> None:
        with respx.mock(base_url=BASE) as mock:
            kpi = await client_with(mock.post("/v1/report-submissions"), httpx.Response(201, text="ok"))
            ack = await kpi.submit_report_event("regional_centre_change", "RU-MUR", date(2025, 3, 3))
        assert ack.event_date == date(2025, 3, 3)

    async def test_failures_raise_and_are_not_retried(self) -> None:
        for answer, error in (
            (httpx.Response(503), PeerUnavailable),
            (httpx.Response(500), PeerUnavailable),
            (httpx.ConnectError("down"), PeerUnavailable),
            (httpx.Response(422, json={"detail": "unknown report type"}), PeerError),
        ):
            with respx.mock(base_url=BASE) as mock:
                route = mock.post("/v1/report-submissions")
                kpi = KpiClient(ServiceClient(httpx.AsyncClient(), "kpi-api", BASE, retries=3, backoff_s=0))
                route.side_effect = answer if isinstance(answer, Exception) else None
                if not isinstance(answer, Exception):
                    route.return_value = answer
                with pytest.raises(error):
                    await kpi.submit_report_event("regional_centre_change", "RU-MUR", date(2025, 3, 3))
                assert route.call_count == 1, answer
