"""webhooks: the outbox (subscriptions, events, deliveries) of zdrav_shared.webhooks, and
``tasks.overdue_notified_for`` (the due date a task.overdue event was written for)

Revision ID: roadmap0004hooks
Revises: roadmap0003flows
Create Date: 2026-12-06 02:50:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from zdrav_shared.webhooks.tables import create_webhook_tables_v1, drop_webhook_tables_v1

revision: str = "roadmap0004hooks"
down_revision: str | None = "roadmap0003flows"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    create_webhook_tables_v1(op)
    with op.batch_alter_table("tasks") as batch:
        batch.add_column(sa.Column("overdue_notified_for", sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("tasks") as batch:
        batch.drop_column("overdue_notified_for")
    drop_webhook_tables_v1(op)
