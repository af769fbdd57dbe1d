"""responses: one covering index on (campaign_id, quarter, month) instead of two narrow ones

Aggregates read only the columns in INCLUDE, so a campaign-quarter GROUP BY over a million responses
becomes an index-only scan (~126 MB of index rather than ~415 MB of heap). It replaces
``ix_responses_campaign_quarter`` and ``ix_responses_campaign_month`` (month periods also match their
quarter), so ingestion keeps maintaining two indexes on ``responses`` (this one and the primary key),
not three. INCLUDE is PostgreSQL-only; on SQLite this is a plain three-column index.

Building it blocks inserts into ``responses`` while it runs (a few seconds per million rows here):
on a large table, upgrade outside the hours kiosks send their batches.

Revision ID: survey0003
Revises: survey0002
Create Date: 2026-11-23 13:45:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "survey0003"
down_revision: str | None = "survey0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INCLUDE = ["org_unit_code", "org_unit_path", "channel", "sat1", "sat2", "sat3", "sat4", "sat5", "nps"]


def upgrade() -> None:
    with op.batch_alter_table("responses", schema=None) as batch_op:
        batch_op.create_index(
            "ix_responses_campaign_quarter_month",
            ["campaign_id", "quarter", "month"],
            unique=False,
            postgresql_include=INCLUDE,
        )
        batch_op.drop_index("ix_responses_campaign_quarter")
        batch_op.drop_index("ix_responses_campaign_month")


def downgrade() -> None:
    with op.batch_alter_table("responses", schema=None) as batch_op:
        batch_op.create_index("ix_responses_campaign_month", ["campaign_id", "month"], unique=False)
        batch_op.create_index("ix_responses_campaign_quarter", ["campaign_id", "quarter"], unique=False)
        batch_op.drop_index("ix_responses_campaign_quarter_month")
