from __future__ import annotations

from sqlalchemy import func, select

from survey_api.demo import PROFILES, load_demo
from survey_api.models import Base, SurveyResponse
from zdrav_shared.db import Database
from zdrav_shared.testing import empty_tables


async def test_demo_loads_once(database_url: str) -> None:
    database = Database.from_url(database_url)
    try:
        await load_demo(database_url)
        await load_demo(database_url)
        async with database.engine.connect() as conn:
            count = (await conn.execute(select(func.count()).select_from(SurveyResponse))).scalar_one()
            quarters = (await conn.execute(select(func.count(func.distinct(SurveyResponse.quarter))))).scalar_one()
        assert count == sum(n for n, _, _ in PROFILES.values())
        assert quarters == 4
    finally:
        await empty_tables(database.engine, Base.metadata)
        await database.dispose()
