"""followups: a detractor's follow-up (unique by response id) and where its work went

Revision ID: roadmap0005followups
Revises: roadmap0004hooks
Create Date: 2026-12-07 10:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "roadmap0005followups"
down_revision: str | None = "roadmap0004hooks"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "followups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("response_id", sa.String(length=64), nullable=False),
        sa.Column("campaign_code", sa.String(length=64), nullable=False),
        sa.Column("org_unit_code", sa.String(length=64), nullable=False),
        sa.Column("org_unit_path", sa.String(length=400), nullable=False),
        sa.Column("region_code", sa.String(length=64), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=True),
        sa.Column("channel", sa.String(length=20), nullable=True),
        sa.Column("nps", sa.SmallInteger(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("submitted_on", sa.Date(), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("target", sa.String(length=24), nullable=False),
        sa.Column("improvement_project_id", sa.Integer(), nullable=True),
        sa.Column("roadmap_id", sa.Integer(), nullable=True),
        sa.Column("task_id", sa.Integer(), nullable=True),
        sa.Column("via", sa.String(length=20), nullable=False),
        sa.Column("delivery_id", sa.String(length=64), nullable=True),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("completed_by", sa.String(length=200), nullable=True),
        sa.Column("resolution", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["improvement_project_id"],
            ["improvement_projects.id"],
            name=op.f("fk_followups_improvement_project_id_improvement_projects"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["roadmap_id"], ["roadmaps.id"], name=op.f("fk_followups_roadmap_id_roadmaps"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["task_id"], ["tasks.id"], name=op.f("fk_followups_task_id_tasks"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_followups")),
        sa.UniqueConstraint("response_id", name=op.f("uq_followups_response_id")),
    )
    with op.batch_alter_table("followups", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_followups_org_unit_code"), ["org_unit_code"], unique=False)
        batch_op.create_index("ix_followups_region_code_submitted_on", ["region_code", "submitted_on"], unique=False)


def downgrade() -> None:
    op.drop_table("followups")
