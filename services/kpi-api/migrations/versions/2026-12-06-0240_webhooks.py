"""webhooks: the outbox (subscriptions, events, deliveries) of zdrav_shared.webhooks, and
``report_submissions.missed_notified_at`` (when report.deadline_missed was written)

Revision ID: 7c3e5a1b9d20
Revises: 19f479ee11b6
Create Date: 2026-12-06 02:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from zdrav_shared.orm import AwareDateTime
from zdrav_shared.webhooks.tables import create_webhook_tables_v1, drop_webhook_tables_v1

revision: str = "7c3e5a1b9d20"
down_revision: str | None = "19f479ee11b6"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    create_webhook_tables_v1(op)
    with op.batch_alter_table("report_submissions") as batch:
        batch.add_column(sa.Column("missed_notified_at", AwareDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("report_submissions") as batch:
        batch.drop_column("missed_notified_at")
    drop_webhook_tables_v1(op)
