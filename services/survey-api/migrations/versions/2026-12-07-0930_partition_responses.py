"""responses: partitioned by quarter on PostgreSQL; primary key (id, quarter) on both backends

PostgreSQL: ``responses`` becomes a table partitioned by RANGE of ``quarter`` with one partition per
quarter (``responses_2025q2``) and a DEFAULT partition (``responses_default``) for quarters without
their own, so that no insert ever fails. Partitions are created here for every stored quarter and
for the previous quarter to eight quarters after today's; the service creates further ones at
start-up (``responses.partitions``). A primary key of a partitioned table must include the partition
key, so it is ``(id, quarter)``; an id is unique through ``response_ids`` (previous revision), which
ingestion claims before it writes the row. The rows are copied into the new table and the old one is
dropped: the revision rewrites ``responses`` and holds its lock while it runs (about a minute per
million rows here); upgrade outside the hours kiosks send their batches.

SQLite keeps one table; only its primary key becomes ``(id, quarter)`` (the table is rebuilt), so
that one model describes both backends.

Revision ID: survey0007
Revises: survey0006
Create Date: 2026-12-07 09:30:00
"""

from collections.abc import Sequence
from datetime import UTC, datetime

from alembic import op

revision: str = "survey0007"
down_revision: str | None = "survey0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEX = "ix_responses_campaign_quarter_month"
INCLUDE = [
    "org_unit_code",
    "org_unit_path",
    "channel",
    "sat1",
    "sat2",
    "sat3",
    "sat4",
    "sat5",
    "nps",
    "screened_out",
]
BEHIND, AHEAD = 1, 8


def _next(quarter: str) -> str:
    year, number = int(quarter[:4]), int(quarter[5])
    return f"{year + 1}Q1" if number == 4 else f"{year}Q{number + 1}"


def _around_today() -> list[str]:
    today = datetime.now(UTC).date()
    year, number = today.year, (today.month - 1) // 3 + 1
    for _ in range(BEHIND):
        year, number = (year - 1, 4) if number == 1 else (year, number - 1)
    codes = [f"{year}Q{number}"]
    for _ in range(BEHIND + AHEAD):
        codes.append(_next(codes[-1]))
    return codes


def _sqlite_primary_key(columns: list[str]) -> None:
    with op.batch_alter_table("responses", recreate="always") as batch:
        batch.drop_constraint("pk_responses", type_="primary")
        batch.create_primary_key("pk_responses", columns)


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        _sqlite_primary_key(["id", "quarter"])
        return
    op.execute("ALTER TABLE responses RENAME TO responses_unpartitioned")
    op.execute("ALTER TABLE responses_unpartitioned RENAME CONSTRAINT pk_responses TO pk_responses_unpartitioned")
    op.execute(f"ALTER INDEX {INDEX} RENAME TO {INDEX}_unpartitioned")
    op.execute("CREATE TABLE responses (LIKE responses_unpartitioned INCLUDING DEFAULTS) PARTITION BY RANGE (quarter)")
    op.execute("ALTER TABLE responses ADD CONSTRAINT pk_responses PRIMARY KEY (id, quarter)")
    op.execute(
        "ALTER TABLE responses ADD CONSTRAINT fk_responses_campaign_id_campaigns FOREIGN KEY (campaign_id) "
        "REFERENCES campaigns (id) ON DELETE RESTRICT"
    )
    op.execute(f"CREATE INDEX {INDEX} ON responses (campaign_id, quarter, month) INCLUDE ({', '.join(INCLUDE)})")
    stored = [row[0] for row in op.get_bind().exec_driver_sql("SELECT DISTINCT quarter FROM responses_unpartitioned")]
    for quarter in sorted(set(stored) | set(_around_today())):
        # Stored quarter codes come from ingestion (YYYYQn); check before they go into DDL.
        if len(quarter) != 6 or not quarter[:4].isdigit() or quarter[4] != "Q" or quarter[5] not in "1234":
            raise ValueError(f"unexpected quarter code {quarter!r} in responses")
        op.execute(
            f"CREATE TABLE responses_{quarter.lower()} PARTITION OF responses "
            f"FOR VALUES FROM ('{quarter}') TO ('{_next(quarter)}')"
        )
    op.execute("CREATE TABLE responses_default PARTITION OF responses DEFAULT")
    op.execute("INSERT INTO responses SELECT * FROM responses_unpartitioned")
    op.execute("DROP TABLE responses_unpartitioned")
    op.execute("ANALYZE responses")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        _sqlite_primary_key(["id"])
        return
    op.execute("ALTER TABLE responses RENAME TO responses_partitioned")
    op.execute("ALTER TABLE responses_partitioned RENAME CONSTRAINT pk_responses TO pk_responses_partitioned")
    op.execute(f"ALTER INDEX {INDEX} RENAME TO {INDEX}_partitioned")
    op.execute("CREATE TABLE responses (LIKE responses_partitioned INCLUDING DEFAULTS)")
    op.execute("INSERT INTO responses SELECT * FROM responses_partitioned")
    op.execute("DROP TABLE responses_partitioned")  # drops its partitions with it
    op.execute("ALTER TABLE responses ADD CONSTRAINT pk_responses PRIMARY KEY (id)")
    op.execute(
        "ALTER TABLE responses ADD CONSTRAINT fk_responses_campaign_id_campaigns FOREIGN KEY (campaign_id) "
        "REFERENCES campaigns (id) ON DELETE RESTRICT"
    )
    op.execute(f"CREATE INDEX {INDEX} ON responses (campaign_id, quarter, month) INCLUDE ({', '.join(INCLUDE)})")
