"""webhooks: the outbox (subscriptions, events, deliveries) of zdrav_shared.webhooks

Revision ID: survey0005
Revises: survey0004
Create Date: 2026-12-06 02:45:00.000000
"""

from collections.abc import Sequence

from alembic import op

from zdrav_shared.webhooks.tables import create_webhook_tables_v1, drop_webhook_tables_v1

revision: str = "survey0005"
down_revision: str | None = "survey0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    create_webhook_tables_v1(op)


def downgrade() -> None:
    drop_webhook_tables_v1(op)
