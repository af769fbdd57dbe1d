"""The three tables of the outbox, defined on a service's own metadata."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)

from zdrav_shared.orm import AwareDateTime

# A BIGINT identity on PostgreSQL; SQLite only auto-increments an INTEGER PRIMARY KEY.
EventId = BigInteger().with_variant(Integer(), "sqlite")


@dataclass(frozen=True)
class WebhookTables:
    """``subscriptions`` (who wants which events, where), ``events`` (the outbox, append-only) and
    ``deliveries`` (one row per event × subscription, with its attempts)."""

    subscriptions: Table
    events: Table
    deliveries: Table


def webhook_tables(metadata: MetaData) -> WebhookTables:
    """Define the outbox tables on ``metadata`` (once per service)."""
    subscriptions = Table(
        "webhook_subscriptions",
        metadata,
        Column("id", Integer, primary_key=True),
        Column("url", String(2000), nullable=False),
        Column("events", JSON, nullable=False),
        # The HMAC key: it must be readable to sign, so it is kept as given and never returned.
        Column("secret", String(200), nullable=False),
        Column("owner", String(64), nullable=False, index=True),
        Column("created_by", String(200), nullable=False),
        Column("active", Boolean, nullable=False, default=True),
        Column("created_at", AwareDateTime(), nullable=False),
    )
    events = Table(
        "outbox_events",
        metadata,
        Column("id", EventId, primary_key=True, autoincrement=True),
        Column("event", String(64), nullable=False),
        Column("subject", String(200), nullable=False),
        # The org-unit codes the event concerns, root first (``["RU", "RU-MUR", "MUR-GP1"]``): a
        # subscription receives it when its owner is one of them.
        Column("scope", JSON, nullable=False),
        Column("payload", JSON, nullable=False),
        Column("occurred_at", AwareDateTime(), nullable=False),
        Column("fanned_out", Boolean, nullable=False, default=False),
        Index("ix_outbox_events_pending", "fanned_out", "id"),
    )
    deliveries = Table(
        "webhook_deliveries",
        metadata,
        Column("id", EventId, primary_key=True, autoincrement=True),
        Column("delivery_id", String(36), nullable=False, unique=True),
        Column("subscription_id", ForeignKey("webhook_subscriptions.id", ondelete="CASCADE"), nullable=False),
        Column("event_id", ForeignKey("outbox_events.id", ondelete="CASCADE"), nullable=False),
        Column("subject", String(200), nullable=False),
        Column("status", String(16), nullable=False),
        Column("attempts", Integer, nullable=False, default=0),
        Column("created_at", AwareDateTime(), nullable=False),
        Column("next_attempt_at", AwareDateTime(), nullable=False),
        Column("last_attempt_at", AwareDateTime()),
        Column("last_status_code", Integer),
        Column("last_error", Text),
        Column("delivered_at", AwareDateTime()),
        Column("replay_of", String(36)),
        Index("ix_webhook_deliveries_due", "status", "next_attempt_at"),
        Index("ix_webhook_deliveries_queue", "subscription_id", "subject", "event_id"),
    )
    return WebhookTables(subscriptions=subscriptions, events=events, deliveries=deliveries)


def create_webhook_tables_v1(op: Any) -> None:
    """The migration that creates the tables as :func:`webhook_tables` first defined them.

    Frozen: a later change of the tables gets a new function (and a new migration), so that an old
    migration keeps meaning what it meant. ``op`` is ``alembic.op``."""
    import sqlalchemy as sa

    from zdrav_shared.orm import AwareDateTime as Aware

    big = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
    op.create_table(
        "webhook_subscriptions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("url", sa.String(2000), nullable=False),
        sa.Column("events", sa.JSON(), nullable=False),
        sa.Column("secret", sa.String(200), nullable=False),
        sa.Column("owner", sa.String(64), nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", Aware(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_webhook_subscriptions"),
    )
    op.create_index("ix_webhook_subscriptions_owner", "webhook_subscriptions", ["owner"])
    op.create_table(
        "outbox_events",
        sa.Column("id", big, autoincrement=True, nullable=False),
        sa.Column("event", sa.String(64), nullable=False),
        sa.Column("subject", sa.String(200), nullable=False),
        sa.Column("scope", sa.JSON(), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("occurred_at", Aware(), nullable=False),
        sa.Column("fanned_out", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_outbox_events"),
    )
    op.create_index("ix_outbox_events_pending", "outbox_events", ["fanned_out", "id"])
    op.create_table(
        "webhook_deliveries",
        sa.Column("id", big, autoincrement=True, nullable=False),
        sa.Column("delivery_id", sa.String(36), nullable=False),
        sa.Column("subscription_id", sa.Integer(), nullable=False),
        sa.Column("event_id", big, nullable=False),
        sa.Column("subject", sa.String(200), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("created_at", Aware(), nullable=False),
        sa.Column("next_attempt_at", Aware(), nullable=False),
        sa.Column("last_attempt_at", Aware(), nullable=True),
        sa.Column("last_status_code", sa.Integer(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("delivered_at", Aware(), nullable=True),
        sa.Column("replay_of", sa.String(36), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_webhook_deliveries"),
        sa.UniqueConstraint("delivery_id", name="uq_webhook_deliveries_delivery_id"),
        sa.ForeignKeyConstraint(
            ["subscription_id"],
            ["webhook_subscriptions.id"],
            name="fk_webhook_deliveries_subscription_id_webhook_subscriptions",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["outbox_events.id"],
            name="fk_webhook_deliveries_event_id_outbox_events",
            ondelete="CASCADE",
        ),
    )
    op.create_index("ix_webhook_deliveries_due", "webhook_deliveries", ["status", "next_attempt_at"])
    op.create_index("ix_webhook_deliveries_queue", "webhook_deliveries", ["subscription_id", "subject", "event_id"])


def drop_webhook_tables_v1(op: Any) -> None:
    """The downgrade of :func:`create_webhook_tables_v1`."""
    op.drop_table("webhook_deliveries")
    op.drop_table("outbox_events")
    op.drop_table("webhook_subscriptions")
