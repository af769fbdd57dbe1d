"""survey core: questionnaires, campaigns and their org units, kiosks, responses

Revision ID: survey0002
Revises: survey0001
Create Date: 2026-11-23 11:06:07.090731
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "survey0002"
down_revision: str | None = "survey0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "questionnaires",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("title_ru", sa.String(length=1000), nullable=False),
        sa.Column("title_en", sa.String(length=1000), nullable=True),
        sa.Column("questions", sa.JSON(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_questionnaires")),
        sa.UniqueConstraint("code", "version", name="uq_questionnaires_code_version"),
    )
    op.create_table(
        "campaigns",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("questionnaire_id", sa.Integer(), nullable=False),
        sa.Column("questionnaire_code", sa.String(length=64), nullable=False),
        sa.Column("questionnaire_version", sa.Integer(), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("channels", sa.JSON(), nullable=False),
        sa.Column("life_situation", sa.String(length=500), nullable=True),
        sa.Column("minimum_sample", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["questionnaire_id"],
            ["questionnaires.id"],
            name=op.f("fk_campaigns_questionnaire_id_questionnaires"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaigns")),
        sa.UniqueConstraint("code", name=op.f("uq_campaigns_code")),
    )
    with op.batch_alter_table("campaigns", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_campaigns_questionnaire_id"), ["questionnaire_id"], unique=False)

    op.create_table(
        "campaign_org_units",
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("org_unit_code", sa.String(length=64), nullable=False),
        sa.Column("org_unit_path", sa.String(length=1024), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["campaigns.id"],
            name=op.f("fk_campaign_org_units_campaign_id_campaigns"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("campaign_id", "org_unit_code", name=op.f("pk_campaign_org_units")),
    )
    with op.batch_alter_table("campaign_org_units", schema=None) as batch_op:
        batch_op.create_index("ix_campaign_org_units_org_unit_code", ["org_unit_code"], unique=False)

    op.create_table(
        "kiosks",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("campaign_code", sa.String(length=64), nullable=False),
        sa.Column("org_unit_code", sa.String(length=64), nullable=False),
        sa.Column("org_unit_path", sa.String(length=1024), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("accepted_count", sa.Integer(), nullable=False),
        sa.Column("duplicate_count", sa.Integer(), nullable=False),
        sa.Column("rejected_count", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["campaign_id"], ["campaigns.id"], name=op.f("fk_kiosks_campaign_id_campaigns"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kiosks")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_kiosks_token_hash")),
    )
    with op.batch_alter_table("kiosks", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_kiosks_campaign_id"), ["campaign_id"], unique=False)

    op.create_table(
        "responses",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("org_unit_code", sa.String(length=64), nullable=False),
        sa.Column("org_unit_path", sa.String(length=1024), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("kiosk_id", sa.String(length=36), nullable=True),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("effective_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("clock_skew", sa.String(length=16), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("quarter", sa.String(length=6), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("body_hash", sa.String(length=64), nullable=False),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column("has_text", sa.Boolean(), nullable=False),
        sa.Column("sat1", sa.String(length=16), nullable=True),
        sa.Column("sat2", sa.String(length=16), nullable=True),
        sa.Column("sat3", sa.String(length=16), nullable=True),
        sa.Column("sat4", sa.String(length=16), nullable=True),
        sa.Column("sat5", sa.String(length=16), nullable=True),
        sa.Column("nps", sa.SmallInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["campaign_id"], ["campaigns.id"], name=op.f("fk_responses_campaign_id_campaigns"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_responses")),
    )
    with op.batch_alter_table("responses", schema=None) as batch_op:
        batch_op.create_index("ix_responses_campaign_month", ["campaign_id", "month"], unique=False)
        batch_op.create_index("ix_responses_campaign_quarter", ["campaign_id", "quarter"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("responses", schema=None) as batch_op:
        batch_op.drop_index("ix_responses_campaign_quarter")
        batch_op.drop_index("ix_responses_campaign_month")

    op.drop_table("responses")
    with op.batch_alter_table("kiosks", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_kiosks_campaign_id"))

    op.drop_table("kiosks")
    with op.batch_alter_table("campaign_org_units", schema=None) as batch_op:
        batch_op.drop_index("ix_campaign_org_units_org_unit_code")

    op.drop_table("campaign_org_units")
    with op.batch_alter_table("campaigns", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_campaigns_questionnaire_id"))

    op.drop_table("campaigns")
    op.drop_table("questionnaires")
