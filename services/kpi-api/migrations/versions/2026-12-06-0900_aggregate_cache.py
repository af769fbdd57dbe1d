"""aggregate cache: the values' generations per indicator, year and region, and analytics' aggregates
kept with the generations they were computed at (kpi_api.aggregate_cache)

Both start empty: every figure is computed from the values on its first read. A later migration that
changes values in place must empty ``aggregate_cache`` too (it does not bump generations).

Revision ID: 5b8e2f6a1c47
Revises: 7c3e5a1b9d20
Create Date: 2026-12-06 09:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "5b8e2f6a1c47"
down_revision: str | None = "7c3e5a1b9d20"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "value_generations",
        sa.Column("indicator_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("region_path", sa.String(length=1024), nullable=False),
        sa.Column("generation", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["indicator_id"],
            ["indicators.id"],
            name=op.f("fk_value_generations_indicator_id_indicators"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("indicator_id", "year", "region_path", name=op.f("pk_value_generations")),
    )
    op.create_table(
        "aggregate_cache",
        sa.Column("indicator_id", sa.Integer(), nullable=False),
        sa.Column("root_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("first_month", sa.Integer(), nullable=False),
        sa.Column("last_month", sa.Integer(), nullable=False),
        sa.Column("statuses", sa.String(length=64), nullable=False),
        sa.Column("methods", sa.String(length=64), nullable=False),
        sa.Column("generation", sa.BigInteger(), nullable=False),
        sa.Column("units", sa.Integer(), nullable=False),
        sa.Column("value", sa.String(length=80), nullable=True),
        sa.Column("numerator", sa.String(length=80), nullable=True),
        sa.Column("denominator", sa.String(length=80), nullable=True),
        sa.ForeignKeyConstraint(
            ["indicator_id"],
            ["indicators.id"],
            name=op.f("fk_aggregate_cache_indicator_id_indicators"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["root_id"], ["org_units.id"], name=op.f("fk_aggregate_cache_root_id_org_units"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint(
            "indicator_id",
            "root_id",
            "year",
            "first_month",
            "last_month",
            "statuses",
            "methods",
            name=op.f("pk_aggregate_cache"),
        ),
    )


def downgrade() -> None:
    op.drop_table("aggregate_cache")
    op.drop_table("value_generations")
