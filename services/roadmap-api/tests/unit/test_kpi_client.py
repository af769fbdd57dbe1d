from __future__ import annotations

from decimal import Decimal

import httpx
import respx

from zdrav_shared.clients.kpi import KpiClient
from zdrav_shared.http_client import ServiceClient

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
