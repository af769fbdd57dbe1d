"""Control characters in codes of path and query parameters are 422s, not database errors (PostgreSQL
cannot compare a text holding a NUL)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from .conftest import FEDERAL

pytestmark = pytest.mark.usefixtures("org_tree")


@pytest.mark.parametrize(
    "path,params",
    [
        ("/v1/report-types/a%00b", {}),
        ("/v1/report-submissions", {"report_type": "a\x00b", "period": "2025-01"}),
        ("/v1/report-submissions", {"report_type": "federal_monthly", "period": "2025-01", "region": "R\x00"}),
        ("/v1/lean-reports/summary", {"as_of": "2019-07-01", "region": "R\x00"}),
        ("/v1/org-units/A%00/population", {}),
        ("/v1/indicators/A%00/suggested-target", {"org_unit": "X", "period": "2025"}),
        ("/v1/org-units", {"kind": "a\x00"}),
        ("/v1/analytics", {"indicators": "A", "org_units": "RU-MUR", "periods": "2025", "kind": "a\x00"}),
    ],
)
async def test_control_characters_are_refused(client: httpx.AsyncClient, path: str, params: dict[str, Any]) -> None:
    r = await client.get(path, params=params, headers=FEDERAL)
    assert r.status_code == 422, (r.status_code, r.text)
