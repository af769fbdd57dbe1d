"""A model change without a migration fails here (the equivalent of `alembic check`)."""

from __future__ import annotations

from survey_api.models import Base
from zdrav_shared.testing import schema_drift


async def test_models_match_migrations(database_url: str) -> None:
    assert await schema_drift(database_url, Base.metadata) == []
