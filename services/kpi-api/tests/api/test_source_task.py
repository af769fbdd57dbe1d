"""The periodic refresh started by the lifespan: it pulls on its own, survives a failing peer and
stops with the app."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import httpx
import pytest
import respx
from fastapi import FastAPI

from kpi_api.settings import KpiSettings

from ..conftest import make_settings
from .conftest import create_indicator
from .test_sources import roadmap_answer, survey_answer

pytestmark = pytest.mark.usefixtures("org_tree")


@pytest.fixture
def settings(database_url: str) -> KpiSettings:
    return make_settings(database_url).model_copy(
        update={"source_refresh_interval_s": 0.2, "source_refresh_initial_delay_s": 0.0}
    )


@pytest.fixture
def peers(settings: KpiSettings) -> Iterator[respx.MockRouter]:
    with respx.mock(assert_all_called=False) as mock:
        # survey-api is down until the test brings it up: rounds fail for it and go on.
        mock.get(f"{settings.survey_url}/v1/aggregates/org-units", name="survey").mock(return_value=httpx.Response(503))
        mock.get(f"{settings.roadmap_url}/v1/execution/regions", name="roadmap").mock(side_effect=roadmap_answer)
        yield mock


async def test_refreshes_periodically_and_recovers(
    app: FastAPI, client: httpx.AsyncClient, peers: respx.MockRouter
) -> None:
    await create_indicator(client, "SAT", unit="%", source="survey", source_metric="satisfaction_share")
    await create_indicator(client, "EXEC", unit="%", source="roadmap")
    peers["survey"].mock(side_effect=survey_answer)
    for _ in range(50):
        if peers["survey"].call_count and peers["roadmap"].call_count >= 3:
            break
        await asyncio.sleep(0.1)
    assert peers["survey"].call_count and peers["roadmap"].call_count >= 3
    assert all(c.request.headers["x-request-id"].startswith("source-refresh-") for c in peers["roadmap"].calls)
    task = next(t for t in asyncio.all_tasks() if t.get_name() == "source-refresh")
    assert not task.done()
