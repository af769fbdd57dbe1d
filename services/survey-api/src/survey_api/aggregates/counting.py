"""The counts aggregates read (``response_counts``), kept as responses are stored.

One definition, three spellings that tests hold equal: :func:`count_rows` adds up a request's stored
rows in Python (the SQLAlchemy path of ingestion), :func:`measures_sql` in SQL (the raw asyncpg path,
over the rows its INSERT returned; the migration's backfill and the benchmark's loader, over
``responses``). Every count is what ``aggregates.repository`` counted over the raw rows before.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import Table, literal_column
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from survey_api.models import COUNT_COLUMNS, ResponseCount
from survey_api.questionnaires.rules import FOUR_POINT_SATISFACTION_VALUES, SatisfactionAnswer

POSITIVE = frozenset(("yes", "rather_yes"))
FOUR_ANSWERS = frozenset(FOUR_POINT_SATISFACTION_VALUES)
DONT_KNOW = SatisfactionAnswer.DONT_KNOW.value
SLOTS = 5
KEY_COLUMNS = ("campaign_id", "quarter", "month", "org_unit_path", "org_unit_code", "channel")
"""What a count is of; with ``stripe`` the primary key of ``response_counts`` (the first three lead, as
aggregates filter on them)."""
STRIPES = 16
"""Count rows per key. Every write of a unit's month and channel would otherwise update one row, and
hold its lock until it commits: concurrent single responses of one polyclinic queued behind each
other's commit (and its WAL flush), 0.68 → 0.22 of the raw ceiling in `make bench`. A writer adds to
the stripe of its database connection (``pg_backend_pid() % STRIPES`` on PostgreSQL; one stripe on
SQLite, which has one writer at a time); aggregates sum the stripes."""
PRIMARY_KEY = (*KEY_COLUMNS, "stripe")
TABLE: Table = ResponseCount.__table__  # type: ignore[assignment]


def _quoted(values: Iterable[str]) -> str:
    return ", ".join(f"'{value}'" for value in sorted(values))


def measures_sql() -> list[str]:
    """The SQL of each of ``COUNT_COLUMNS`` over rows with the columns of ``responses`` (both backends).

    Screened-out rows have null ``sat*`` and ``nps`` (ingestion stores them so), so the answer counts
    leave them out without asking."""
    measures = ["sum(CASE WHEN screened_out THEN 0 ELSE 1 END)", "sum(CASE WHEN screened_out THEN 1 ELSE 0 END)"]
    for slot in range(1, SLOTS + 1):
        measures += [
            f"sum(CASE WHEN sat{slot} IN ({_quoted(POSITIVE)}) THEN 1 ELSE 0 END)",
            f"sum(CASE WHEN sat{slot} IN ({_quoted(FOUR_ANSWERS)}) THEN 1 ELSE 0 END)",
            f"sum(CASE WHEN sat{slot} = '{DONT_KNOW}' THEN 1 ELSE 0 END)",
        ]
    measures += [
        "sum(CASE WHEN nps >= 9 THEN 1 ELSE 0 END)",
        "sum(CASE WHEN nps BETWEEN 7 AND 8 THEN 1 ELSE 0 END)",
        "sum(CASE WHEN nps <= 6 THEN 1 ELSE 0 END)",
    ]
    assert len(measures) == len(COUNT_COLUMNS)
    return measures


def on_conflict_add() -> str:
    """The ``ON CONFLICT … DO UPDATE`` that adds new counts to a row's (PostgreSQL and SQLite alike)."""
    added = ", ".join(f"{c} = {TABLE.name}.{c} + excluded.{c}" for c in COUNT_COLUMNS)
    return f"ON CONFLICT ({', '.join(PRIMARY_KEY)}) DO UPDATE SET {added}"


def backfill_sql(where: str = "true") -> str:
    """``INSERT INTO response_counts`` the counts of the stored ``responses`` (``where`` narrows them),
    added to any counts already there (stripe 0): the migration's backfill and the benchmark's COPY loader."""
    keys = ", ".join(KEY_COLUMNS)
    return (
        f"INSERT INTO {TABLE.name} ({keys}, stripe, {', '.join(COUNT_COLUMNS)}) "
        # A WHERE always: SQLite's parser needs one to tell an upsert's ON CONFLICT from a join's ON.
        f"SELECT {keys}, 0, {', '.join(measures_sql())} FROM responses WHERE {where} GROUP BY {keys} "
        f"{on_conflict_add()}"
    )


def _row_counts(row: Mapping[str, Any]) -> list[int]:
    screened = bool(row["screened_out"])
    counts = [0 if screened else 1, 1 if screened else 0]
    for slot in range(1, SLOTS + 1):
        answer = row[f"sat{slot}"]
        counts += [answer in POSITIVE, answer in FOUR_ANSWERS, answer == DONT_KNOW]
    nps = row["nps"]
    counts += [nps is not None and nps >= 9, nps is not None and 7 <= nps <= 8, nps is not None and nps <= 6]
    return counts


def count_rows(shared: Mapping[str, Any], rows: Sequence[Mapping[str, Any]], stored: set[str]) -> list[dict[str, Any]]:
    """The counts to add for the ``rows`` of one request whose id (text) is in ``stored``: one dict per
    (quarter, month), in key order so that concurrent requests lock count rows in the same order."""
    totals: dict[tuple[str, str], list[int]] = {}
    for row in rows:
        if row["id"] not in stored:
            continue
        key = (row["quarter"], row["month"])
        counts = _row_counts(row)
        found = totals.get(key)
        if found is None:
            totals[key] = counts
        else:
            totals[key] = [a + b for a, b in zip(found, counts, strict=True)]
    return [
        {
            "campaign_id": shared["campaign_id"],
            "quarter": quarter,
            "month": month,
            "org_unit_path": shared["org_unit_path"],
            "org_unit_code": shared["org_unit_code"],
            "channel": shared["channel"],
            **dict(zip(COUNT_COLUMNS, (int(v) for v in counts), strict=True)),
        }
        for (quarter, month), counts in sorted(totals.items())
    ]


def stripe_sql(dialect: str) -> str:
    """The stripe a writer on this connection adds to (see ``STRIPES``)."""
    return f"pg_backend_pid() % {STRIPES}" if dialect == "postgresql" else "0"


def add_counts_statement(dialect: str) -> Any:
    """``INSERT … ON CONFLICT (key) DO UPDATE SET n = response_counts.n + excluded.n, …`` (SQLAlchemy),
    into the connection's stripe."""
    statement = pg_insert(TABLE) if dialect == "postgresql" else sqlite_insert(TABLE)
    statement = statement.values(stripe=literal_column(stripe_sql(dialect)))
    return statement.on_conflict_do_update(
        index_elements=list(PRIMARY_KEY),
        set_={c: TABLE.c[c] + statement.excluded[c] for c in COUNT_COLUMNS},
    )
