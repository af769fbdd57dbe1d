"""source values: values pulled from survey-api and roadmap-api, and the indicator fields mapping to them

Revision ID: 0aba1748379d
Revises: 2aedd43431b7
Create Date: 2026-11-23 11:44:56.100186
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0aba1748379d"
down_revision: str | None = "2aedd43431b7"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "source_values",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("indicator_id", sa.Integer(), nullable=False),
        sa.Column("org_unit_id", sa.Integer(), nullable=False),
        sa.Column("period", sa.String(length=8), nullable=False),
        sa.Column("value", sa.Numeric(precision=20, scale=6), nullable=True),
        sa.Column("numerator", sa.Numeric(precision=20, scale=6), nullable=True),
        sa.Column("denominator", sa.Numeric(precision=20, scale=6), nullable=True),
        sa.Column("n", sa.Integer(), nullable=True),
        sa.Column("sample_ok", sa.Boolean(), nullable=True),
        sa.Column("reason", sa.String(length=100), nullable=True),
        sa.Column("data_as_of", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["indicator_id"],
            ["indicators.id"],
            name=op.f("fk_source_values_indicator_id_indicators"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["org_unit_id"], ["org_units.id"], name=op.f("fk_source_values_org_unit_id_org_units"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_source_values")),
        sa.UniqueConstraint("indicator_id", "org_unit_id", "period", name="uq_source_values_indicator_unit_period"),
    )
    with op.batch_alter_table("source_values", schema=None) as batch_op:
        batch_op.create_index("ix_source_values_org_unit_id", ["org_unit_id"], unique=False)

    with op.batch_alter_table("indicators", schema=None) as batch_op:
        batch_op.add_column(sa.Column("source_metric", sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column("source_campaign", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("indicators", schema=None) as batch_op:
        batch_op.drop_column("source_campaign")
        batch_op.drop_column("source_metric")

    with op.batch_alter_table("source_values", schema=None) as batch_op:
        batch_op.drop_index("ix_source_values_org_unit_id")

    op.drop_table("source_values")
