"""`make charts`: the PNG charts shown in the README, drawn from the demo data of `make run`.

Migrates throwaway SQLite databases, loads the kpi-api and survey-api demos, and asks the services
in-process (httpx over ASGI, no ports) for their charts as a federal user; writes docs/img/chart-*.png.
"""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path
from typing import Any

import httpx
from asgi_lifespan import LifespanManager

from zdrav_shared.migrations import upgrade
from zdrav_shared.tokens import issue_token

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "docs" / "img"
SECRET = "charts-script-secret-not-for-production-0123456789"

KPI_CHARTS = {
    "chart-trend.png": (
        "/v1/charts/indicator.png",
        {"indicator": "STAFFING_RATE", "org_unit": "RU-MUR", "from": "2025Q1", "to": "2025Q4"},
    ),
    "chart-league.png": (
        "/v1/charts/league.png",
        {"indicator": "STAFFING_RATE", "parent": "RU", "level": "region", "period": "2025Q2"},
    ),
}
SURVEY_CHARTS = {
    "chart-satisfaction.png": (
        "/v1/charts/satisfaction.png",
        {"campaign": "demo-2025", "org_unit": "RU", "period": "2025-03"},
    ),
}


async def draw(package: str, settings: Any, charts: dict[str, tuple[str, dict[str, str]]]) -> None:
    app_module = __import__(f"{package}.app", fromlist=["create_app"])  # each service's own
    demo = __import__(f"{package}.demo", fromlist=["load_demo"])
    await demo.load_demo(settings.database_url)
    app = app_module.create_app(settings)
    headers = {"Authorization": f"Bearer {issue_token(SECRET, 'charts', ['federal'], ['RU'])}"}
    async with LifespanManager(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://zdrav.local") as client:
            for name, (path, params) in charts.items():
                response = await client.get(path, params=params, headers=headers)
                if response.status_code != 200:
                    raise SystemExit(f"{path}: {response.status_code} {response.text[:500]}")
                (OUT / name).write_bytes(response.content)
                print(f"wrote docs/img/{name}")


def main() -> None:
    from kpi_api.app import MIGRATIONS_DIR as KPI_MIGRATIONS
    from kpi_api.settings import KpiSettings
    from survey_api.app import MIGRATIONS_DIR as SURVEY_MIGRATIONS
    from survey_api.settings import SurveySettings

    with tempfile.TemporaryDirectory() as folder:
        kpi = KpiSettings(
            database_url=f"sqlite+aiosqlite:///{folder}/kpi.db", jwt_secret=SECRET, source_refresh_interval_s=0
        )
        # Alembic runs its own event loop: migrate before ours starts.
        upgrade(kpi.database_url, KPI_MIGRATIONS)
        asyncio.run(draw("kpi_api", kpi, KPI_CHARTS))
        survey = SurveySettings(database_url=f"sqlite+aiosqlite:///{folder}/survey.db", jwt_secret=SECRET)
        upgrade(survey.database_url, SURVEY_MIGRATIONS)
        asyncio.run(draw("survey_api", survey, SURVEY_CHARTS))


if __name__ == "__main__":
    main()
