"""A model change without a migration fails here (the equivalent of `alembic check`)."""

from __future__ import annotations

from kpi_api.models import Base
from zdrav_shared.testing import schema_drift


async def test_models_match_migrations(database_url: str) -> None:
    assert await schema_drift(database_url, Base.metadata) == []


PREVIOUS = "771dd01ab12e"
NOW = "2025-07-01 09:00:00+00:00"
OLD_ROWS = [
    "INSERT INTO org_units (id, code, name_ru, level, parent_id, rural, path, active, version, created_at, updated_at)"
    f" VALUES (1, 'RU', 'РФ', 'federation', NULL, false, '/RU/', true, 1, '{NOW}', '{NOW}')",
    "INSERT INTO indicators (id, code, name_ru, unit, kind, aggregation, time_aggregation, direction, periodicity,"
    " precision, source, on_track_ratio, at_risk_ratio, active, version, created_at, updated_at) VALUES"
    f" (1, 'MUR_T01', 'x', '%', 'input', 'sum', 'sum', 'higher_is_better', 'year', 1, 'manual', 0.95, 0.85, true,"
    f" 1, '{NOW}', '{NOW}'), (2, 'VISITS', 'x', 'ед.', 'input', 'sum', 'sum', 'higher_is_better', 'quarter', 1,"
    f" 'manual', 0.95, 0.85, true, 1, '{NOW}', '{NOW}')",
    "INSERT INTO indicator_values (id, indicator_id, org_unit_id, period, period_type, year, end_month, value, status,"
    " outlier, submitted_at, approved_at, approved_by, updated_by, version, created_at, updated_at) VALUES"
    f" (1, 2, 1, '2025Q1', 'quarter', 2025, 3, 5, 'approved', false, '{NOW}', '{NOW}', 'admin', 'admin', 3,"
    f" '{NOW}', '{NOW}'), (2, 2, 1, '2025Q2', 'quarter', 2025, 6, 7, 'draft', false, NULL, NULL, NULL, 'typist',"
    f" 1, '{NOW}', '{NOW}')",
    "INSERT INTO audit_events (entity, entity_id, action, actor, at) VALUES"
    f" ('value', 1, 'created', 'operator', '{NOW}'), ('value', 1, 'submitted', 'checker', '{NOW}'),"
    f" ('value', 1, 'approved', 'admin', '{NOW}')",
    "INSERT INTO deadline_rules (periodicity, day_of_month, months_after, working_days, roll_forward, updated_by,"
    f" updated_at) VALUES ('quarter', 10, 1, false, false, 'federal', '{NOW}')",
]


def test_existing_rows_come_through_the_signable_figures_migration() -> None:
    """Owners (RU; RU-MUR for the Murmansk programme), who entered and submitted each value (from the
    audit trail), and the national deadline override (owned by RU) survive the upgrade."""
    import asyncio

    from alembic import command
    from sqlalchemy import text
    from sqlalchemy.ext.asyncio import create_async_engine

    from kpi_api.app import MIGRATIONS_DIR
    from zdrav_shared.migrations import alembic_config, upgrade
    from zdrav_shared.testing import ThrowawayDatabase

    database = ThrowawayDatabase("kpi-migration", MIGRATIONS_DIR)
    url = database.create()
    try:
        command.downgrade(alembic_config(MIGRATIONS_DIR, url), PREVIOUS)

        async def run(statements: list[str]) -> list[list[tuple[object, ...]]]:
            """Execute the statements in one transaction; the rows of each (empty for writes)."""
            engine = create_async_engine(url)
            found: list[list[tuple[object, ...]]] = []
            try:
                async with engine.begin() as conn:
                    for statement in statements:
                        result = await conn.execute(text(statement))
                        found.append([tuple(r) for r in result.all()] if result.returns_rows else [])
            finally:
                await engine.dispose()
            return found

        asyncio.run(run(OLD_ROWS))
        upgrade(url, MIGRATIONS_DIR)
        owners, values, rules = asyncio.run(
            run(
                [
                    "SELECT code, owner, reporting_level, scale FROM indicators ORDER BY id",
                    "SELECT id, entered_by, submitted_by, numerator FROM indicator_values ORDER BY id",
                    "SELECT owner, periodicity, day_of_month, active, version FROM deadline_rules",
                ]
            )
        )
        assert owners == [("MUR_T01", "RU-MUR", None, None), ("VISITS", "RU", None, None)]
        assert values == [(1, "operator", "checker", None), (2, "typist", None, None)]
        assert [(o, p, d, bool(a), v) for o, p, d, a, v in rules] == [("RU", "quarter", 10, True, 1)]
    finally:
        database.drop()
