"""response_ids and response_counts: the idempotency key apart from the rows, and the counts of aggregates

- ``response_ids(id, body_hash, quarter)``: every stored response's id, written by ingestion before its
  row in the same statement or transaction. It is the idempotency key once ``responses`` is
  partitioned by quarter (next revision), whose primary key must then include the quarter. Filled
  from the stored responses.
- ``response_counts``: per campaign × org unit (path and code) × quarter × month × channel (× a stripe
  per writing connection, ``aggregates.counting.STRIPES``; the backfill writes stripe 0), the counts
  aggregates read (``aggregates.counting``), kept by ingestion in the same statement or transaction
  as the rows. Filled from the stored responses by one GROUP BY (the same counts as
  ``aggregates.counting.backfill_sql``, spelled out here so that this revision never changes).

Both backfills read the whole of ``responses`` once; on a large table, upgrade outside the hours
kiosks send their batches (ingestion would otherwise wait for the revision's locks).

Revision ID: survey0006
Revises: survey0005
Create Date: 2026-12-07 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "survey0006"
down_revision: str | None = "survey0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KEYS = ["campaign_id", "quarter", "month", "org_unit_path", "org_unit_code", "channel"]
COUNTS = [
    "n",
    "screened_out",
    *(f"{measure}{slot}" for slot in range(1, 6) for measure in ("positive", "answered", "dont_know")),
    "promoters",
    "passives",
    "detractors",
]
MEASURES = [
    "sum(CASE WHEN screened_out THEN 0 ELSE 1 END)",
    "sum(CASE WHEN screened_out THEN 1 ELSE 0 END)",
    *(
        measure
        for slot in range(1, 6)
        for measure in (
            f"sum(CASE WHEN sat{slot} IN ('rather_yes', 'yes') THEN 1 ELSE 0 END)",
            f"sum(CASE WHEN sat{slot} IN ('no', 'rather_no', 'rather_yes', 'yes') THEN 1 ELSE 0 END)",
            f"sum(CASE WHEN sat{slot} = 'dont_know' THEN 1 ELSE 0 END)",
        )
    ),
    "sum(CASE WHEN nps >= 9 THEN 1 ELSE 0 END)",
    "sum(CASE WHEN nps BETWEEN 7 AND 8 THEN 1 ELSE 0 END)",
    "sum(CASE WHEN nps <= 6 THEN 1 ELSE 0 END)",
]


def upgrade() -> None:
    op.create_table(
        "response_ids",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("body_hash", sa.String(length=64), nullable=False),
        sa.Column("quarter", sa.String(length=6), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_response_ids")),
    )
    op.execute("INSERT INTO response_ids (id, body_hash, quarter) SELECT id, body_hash, quarter FROM responses")
    op.create_table(
        "response_counts",
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("quarter", sa.String(length=6), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("org_unit_path", sa.String(length=1024), nullable=False),
        sa.Column("org_unit_code", sa.String(length=64), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("stripe", sa.SmallInteger(), nullable=False),
        *(sa.Column(name, sa.Integer(), nullable=False) for name in COUNTS),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["campaigns.id"],
            name=op.f("fk_response_counts_campaign_id_campaigns"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint(*KEYS, "stripe", name=op.f("pk_response_counts")),
    )
    keys = ", ".join(KEYS)
    op.execute(
        f"INSERT INTO response_counts ({keys}, stripe, {', '.join(COUNTS)}) "
        f"SELECT {keys}, 0, {', '.join(MEASURES)} FROM responses GROUP BY {keys}"
    )


def downgrade() -> None:
    op.drop_table("response_counts")
    op.drop_table("response_ids")
