"""indicator values: the window index carries the value, so analytics aggregates with an index-only scan

Analytics reads every value of a window (one quarter of 30 indicators: 51,000 rows spread over most of
the table's pages). With ``value`` in the index (PostgreSQL INCLUDE) it reads the index alone instead of
visiting every heap page; SQLite keeps the plain index.

Revision ID: 771dd01ab12e
Revises: 0aba1748379d
Create Date: 2026-11-23 14:15:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "771dd01ab12e"
down_revision: str | None = "0aba1748379d"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = ["indicator_id", "year", "end_month", "org_unit_id"]


def upgrade() -> None:
    with op.batch_alter_table("indicator_values", schema=None) as batch_op:
        batch_op.drop_index("ix_indicator_values_window")
        batch_op.create_index("ix_indicator_values_window", COLUMNS, unique=False, postgresql_include=["value"])


def downgrade() -> None:
    with op.batch_alter_table("indicator_values", schema=None) as batch_op:
        batch_op.drop_index("ix_indicator_values_window")
        batch_op.create_index("ix_indicator_values_window", COLUMNS, unique=False)
