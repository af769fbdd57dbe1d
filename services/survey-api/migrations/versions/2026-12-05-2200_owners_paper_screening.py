"""owners and history of questionnaires, campaign purpose, paper and operator entry, screening

- ``questionnaires.owner``: who may change a questionnaire (``RU`` = federal, or a region). Rows older
  than ownership carry no record of who made them, so they become federal-owned: nobody's region can
  rewrite them, and the federal centre can still change them on the region's behalf.
- ``questionnaire_changes``: the audit of every questionnaire write. Each existing version gets one
  ``recorded`` row (actor ``migration``) with its state today, so that every history starts somewhere;
  earlier changes were not audited and cannot be recovered.
- ``campaigns.purpose``: ``self_assessment`` or ``monitoring``; existing campaigns were monitoring.
- ``responses.entered_by``: ``respondent`` or ``operator``. Existing phone responses were read out by
  an operator; kiosk and online ones were typed by the respondent (there were no paper ones yet).
- ``responses.screened_out``: a «no» to a screening question keeps a response out of the aggregates;
  no existing response answered one.
- The covering index of aggregates is rebuilt with ``screened_out`` in its INCLUDE (aggregates count
  screened-out responses apart). Building it blocks inserts into ``responses`` while it runs (a few
  seconds per million rows): on a large table, upgrade outside the hours kiosks send their batches.

The new columns are added with server defaults, which PostgreSQL (11+) records without rewriting the
table; only the phone rows are updated.

Revision ID: survey0004
Revises: survey0003
Create Date: 2026-12-05 22:00:00
"""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision: str = "survey0004"
down_revision: str | None = "survey0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEX = "ix_responses_campaign_quarter_month"
OLD_INCLUDE = ["org_unit_code", "org_unit_path", "channel", "sat1", "sat2", "sat3", "sat4", "sat5", "nps"]
NEW_INCLUDE = [*OLD_INCLUDE, "screened_out"]

_questionnaires = sa.table(
    "questionnaires",
    sa.column("code", sa.String),
    sa.column("version", sa.Integer),
    sa.column("status", sa.String),
    sa.column("owner", sa.String),
    sa.column("title_ru", sa.String),
    sa.column("title_en", sa.String),
    sa.column("questions", sa.JSON),
    sa.column("revision", sa.Integer),
    sa.column("published_at", sa.DateTime(timezone=True)),
)
_changes = sa.table(
    "questionnaire_changes",
    sa.column("questionnaire_code", sa.String),
    sa.column("version", sa.Integer),
    sa.column("action", sa.String),
    sa.column("actor", sa.String),
    sa.column("at", sa.DateTime(timezone=True)),
    sa.column("before", sa.JSON),
    sa.column("after", sa.JSON),
    sa.column("reason", sa.Text),
)


def upgrade() -> None:
    with op.batch_alter_table("questionnaires", schema=None) as batch_op:
        batch_op.add_column(sa.Column("owner", sa.String(length=64), server_default="RU", nullable=False))
    op.create_table(
        "questionnaire_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("questionnaire_code", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("before", sa.JSON(), nullable=True),
        sa.Column("after", sa.JSON(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_questionnaire_changes")),
    )
    with op.batch_alter_table("questionnaire_changes", schema=None) as batch_op:
        batch_op.create_index("ix_questionnaire_changes_code", ["questionnaire_code", "id"], unique=False)
    _record_existing_questionnaires()

    with op.batch_alter_table("campaigns", schema=None) as batch_op:
        batch_op.add_column(sa.Column("purpose", sa.String(length=32), server_default="monitoring", nullable=False))

    with op.batch_alter_table("responses", schema=None) as batch_op:
        batch_op.drop_index(INDEX)
        batch_op.add_column(sa.Column("entered_by", sa.String(length=16), server_default="respondent", nullable=False))
        batch_op.add_column(sa.Column("screened_out", sa.Boolean(), server_default=sa.false(), nullable=False))
    op.execute("UPDATE responses SET entered_by = 'operator' WHERE channel = 'phone'")
    with op.batch_alter_table("responses", schema=None) as batch_op:
        batch_op.create_index(INDEX, ["campaign_id", "quarter", "month"], unique=False, postgresql_include=NEW_INCLUDE)


def _record_existing_questionnaires() -> None:
    connection = op.get_bind()
    rows = connection.execute(sa.select(_questionnaires).order_by(_questionnaires.c.code, _questionnaires.c.version))
    now = datetime.now(UTC)
    records = []
    for row in rows.mappings():
        published_at = row["published_at"]
        records.append(
            {
                "questionnaire_code": row["code"],
                "version": row["version"],
                "action": "recorded",
                "actor": "migration",
                "at": now,
                "before": None,
                "after": {
                    "code": row["code"],
                    "version": row["version"],
                    "status": row["status"],
                    "owner": row["owner"],
                    "title_ru": row["title_ru"],
                    "title_en": row["title_en"],
                    "questions": row["questions"],
                    "revision": row["revision"],
                    "published_at": published_at.isoformat() if published_at is not None else None,
                },
                "reason": "recorded when questionnaires got owners and an audit; earlier changes were not audited",
            }
        )
    if records:
        op.bulk_insert(_changes, records)


def downgrade() -> None:
    with op.batch_alter_table("responses", schema=None) as batch_op:
        batch_op.drop_index(INDEX)
        batch_op.drop_column("screened_out")
        batch_op.drop_column("entered_by")
        batch_op.create_index(INDEX, ["campaign_id", "quarter", "month"], unique=False, postgresql_include=OLD_INCLUDE)
    with op.batch_alter_table("campaigns", schema=None) as batch_op:
        batch_op.drop_column("purpose")
    with op.batch_alter_table("questionnaire_changes", schema=None) as batch_op:
        batch_op.drop_index("ix_questionnaire_changes_code")
    op.drop_table("questionnaire_changes")
    with op.batch_alter_table("questionnaires", schema=None) as batch_op:
        batch_op.drop_column("owner")
