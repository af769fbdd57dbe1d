"""What aggregates read: only ``response_counts`` (never the raw responses), through the leading
columns of its primary key; and the covering index of ``responses`` (exports, comments) has the
INCLUDE columns of the model (which the migration-drift test cannot see: Alembic's autogenerate
compares an index's name and key columns, not ``postgresql_include``)."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import Column, Index, inspect, text
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.sql.visitors import iterate

from survey_api.aggregates.repository import GROUP_COLUMNS, counts_by_path_query, counts_query
from survey_api.models import ResponseCount, SurveyResponse
from zdrav_shared.periods import Period, PeriodType

INDEX = "ix_responses_campaign_quarter_month"
COUNTS_KEY = "pk_response_counts"
PERIODS = [Period.parse(code) for code in ("2025-05", "2025Q2", "2025")]


def _index() -> Index:
    return next(i for i in SurveyResponse.__table__.indexes if i.name == INDEX)


def _queries() -> list[tuple[str, Period, Any]]:
    found = []
    for period in PERIODS:
        for group_by in (None, *GROUP_COLUMNS):
            for scope in (None, ["RU-MUR", "RU-KYA"]):
                query = counts_query(
                    campaign_id=1, period=period, subtree_code="RU-MUR", scope_codes=scope, group_by=group_by
                )
                found.append((f"counts {period.code} group_by={group_by} scope={scope}", period, query))
        query = counts_by_path_query(
            campaign_ids=[1, 2], period=period, subtree_codes=["RU-MUR", "RU-KYA"], scope_codes=["RU"]
        )
        found.append((f"counts_by_path {period.code}", period, query))
    return found


def test_the_index_is_the_only_secondary_index_of_responses() -> None:
    """Every index on ``responses`` is paid for by every ingested response."""
    assert [i.name for i in SurveyResponse.__table__.indexes] == [INDEX]


@pytest.mark.parametrize(("label", "query"), [(label, query) for label, _, query in _queries()], ids=str)
def test_every_aggregate_query_reads_the_counts_only(label: str, query: Any) -> None:
    """The cost of an aggregate follows the number of count rows, not of responses."""
    tables = {e.table.name for e in iterate(query) if isinstance(e, Column) and e.table is not None}
    assert tables == {ResponseCount.__tablename__}, label


def test_the_counts_key_leads_with_what_aggregates_filter_on() -> None:
    key = [c.name for c in ResponseCount.__table__.primary_key.columns]
    assert key[:3] == ["campaign_id", "quarter", "month"]


@pytest.fixture
def postgres_url(database_url: str) -> str:
    if not database_url.startswith("postgresql"):
        pytest.skip("INCLUDE and index-only scans are PostgreSQL's")
    return database_url


async def test_migrated_index_includes_the_model_columns(postgres_url: str) -> None:
    engine = create_async_engine(postgres_url)
    try:
        async with engine.connect() as conn:
            indexes = await conn.run_sync(lambda sync: inspect(sync).get_indexes("responses"))
    finally:
        await engine.dispose()
    found = {i["name"]: i for i in indexes}
    index = _index()
    assert found[INDEX]["column_names"] == [c.name for c in index.columns]
    assert found[INDEX]["dialect_options"]["postgresql_include"] == list(index.dialect_options["postgresql"]["include"])


async def test_postgresql_answers_every_aggregate_query_from_a_range_of_the_counts_key(postgres_url: str) -> None:
    """With the heap scan made unattractive, each query reads a range of the counts' primary key."""
    engine = create_async_engine(postgres_url)
    try:
        async with engine.connect() as conn:
            await conn.execute(text("SET enable_seqscan = off"))
            await conn.execute(text("SET enable_bitmapscan = off"))
            for label, period, query in _queries():
                sql = str(query.compile(dialect=conn.dialect, compile_kwargs={"literal_binds": True}))
                plan = "\n".join(row[0] for row in await conn.execute(text("EXPLAIN " + sql)))
                assert f"using {COUNTS_KEY} on response_counts" in plan, f"{label}:\n{plan}"
                assert " responses" not in plan, f"{label}:\n{plan}"
                # A range of the key, not a pass over all of it: a month or a quarter is (campaign,
                # quarter[, month]). (Over an empty table the planner filters a year's four quarters
                # rather than probing them; either way it stays inside the campaign.)
                condition = next(line for line in plan.splitlines() if "Index Cond:" in line)
                assert "campaign_id" in condition, f"{label}:\n{plan}"
                if period.type is not PeriodType.YEAR:
                    assert "quarter" in condition, f"{label}:\n{plan}"
    finally:
        await engine.dispose()
