from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    PrimaryKeyConstraint,
    SmallInteger,
    String,
    Uuid,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column

from survey_api.models.base import Base
from zdrav_shared.orm import AwareDateTime


class SurveyResponse(Base):
    """One respondent's answers, stored once under its client-chosen id.

    ``answers`` keeps the (masked) answers as sent; the other columns are denormalised so that
    aggregates are GROUP BY queries over indexed columns: the org unit's path for subtree roll-ups,
    the local month / quarter / year of ``effective_at`` in the region's time zone, the answers to
    the first five satisfaction questions (``sat1`` is the one behind the satisfaction share) and
    the NPS score.

    ``sat1`` … ``sat5`` and ``nps`` hold what counts in aggregates: for a response whose screening
    answer is «no» (``screened_out``) they are null, so no count of answers can take it in; its
    answers are kept in ``answers`` as sent. ``entered_by`` says whether the respondent or an operator
    typed the answers in.

    On PostgreSQL the table is partitioned by ``quarter`` (RANGE, one partition per quarter and a
    DEFAULT one: ``responses.partitions``), so its primary key must hold the partition key: it is
    ``(id, quarter)``, on SQLite too so that one model describes both. The id alone is unique through
    :class:`ResponseId`, which ingestion writes first (docs/scaling.md, "Partitions and the
    idempotency key").
    """

    __tablename__ = "responses"
    __table_args__ = (
        PrimaryKeyConstraint("id", "quarter"),
        # The one index of aggregates and exports, covering on PostgreSQL: every column an aggregate
        # reads is in it, so a campaign-period GROUP BY is an index-only scan of ~125 bytes a row
        # instead of a scan of the heap rows (~415 bytes each, most of it the ``answers`` JSON):
        # over 1M responses of one quarter, ~126 MB read instead of ~415 MB. Month periods match
        # (quarter, month), year periods their quarters (``aggregates.repository.period_filter``),
        # so one index serves all three and ingestion maintains one index here, not two.
        # Index-only scans need the visibility map: the benchmark VACUUMs after loading; in production
        # autovacuum's insert threshold (``autovacuum_vacuum_insert_*``, PostgreSQL ≥ 13) sets it for
        # appended rows, and pages not yet all-visible are read from the heap, still correctly.
        # SQLite ignores ``postgresql_include``: there it is a plain (campaign, quarter, month) index.
        Index(
            "ix_responses_campaign_quarter_month",
            "campaign_id",
            "quarter",
            "month",
            postgresql_include=[
                "org_unit_code",
                "org_unit_path",
                "channel",
                "sat1",
                "sat2",
                "sat3",
                "sat4",
                "sat5",
                "nps",
                "screened_out",
            ],
        ),
        # What CREATE TABLE says on PostgreSQL; the migration that partitions the table is the source
        # (Alembic's drift check does not compare it).
        {"postgresql_partition_by": "RANGE (quarter)"},
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="RESTRICT"))
    org_unit_code: Mapped[str] = mapped_column(String(64))
    org_unit_path: Mapped[str] = mapped_column(String(1024))
    channel: Mapped[str] = mapped_column(String(16))
    kiosk_id: Mapped[str | None] = mapped_column(String(36))
    submitted_at: Mapped[datetime] = mapped_column(AwareDateTime())
    received_at: Mapped[datetime] = mapped_column(AwareDateTime())
    effective_at: Mapped[datetime] = mapped_column(AwareDateTime())
    clock_skew: Mapped[str] = mapped_column(String(16))
    month: Mapped[str] = mapped_column(String(7))
    quarter: Mapped[str] = mapped_column(String(6))
    year: Mapped[int] = mapped_column(Integer)
    body_hash: Mapped[str] = mapped_column(String(64))
    answers: Mapped[dict[str, Any]] = mapped_column(JSON)
    has_text: Mapped[bool] = mapped_column(Boolean)
    sat1: Mapped[str | None] = mapped_column(String(16))
    sat2: Mapped[str | None] = mapped_column(String(16))
    sat3: Mapped[str | None] = mapped_column(String(16))
    sat4: Mapped[str | None] = mapped_column(String(16))
    sat5: Mapped[str | None] = mapped_column(String(16))
    nps: Mapped[int | None] = mapped_column(SmallInteger)
    # Server defaults for the rows older than these columns (see the migration); ingestion writes both.
    entered_by: Mapped[str] = mapped_column(String(16), server_default="respondent")
    screened_out: Mapped[bool] = mapped_column(Boolean, server_default=false())


class ResponseId(Base):
    """Every stored response's id, unpartitioned: the idempotency key across the quarter partitions.

    Ingestion inserts here first (``ON CONFLICT (id) DO NOTHING``) and writes a response row only for
    the ids this insert claimed, in the same statement or transaction; so an id is stored once
    whatever quarter a resend would fall in. ``body_hash`` is the stored body's, read to tell a
    duplicate from a conflicting resend without searching the partitions; ``quarter`` says which
    partition holds the row.
    """

    __tablename__ = "response_ids"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    body_hash: Mapped[str] = mapped_column(String(64))
    quarter: Mapped[str] = mapped_column(String(6))


COUNT_COLUMNS = (
    "n",
    "screened_out",
    *(f"{measure}{slot}" for slot in range(1, 6) for measure in ("positive", "answered", "dont_know")),
    "promoters",
    "passives",
    "detractors",
)
"""The counts of a :class:`ResponseCount` row, in the order aggregates read them."""


class ResponseCount(Base):
    """What aggregates count, maintained as responses are stored: one row per campaign × org unit
    (code and path: subtree roll-ups match the path as on ``responses``) × local month × channel ×
    stripe (up to ``aggregates.counting.STRIPES`` rows per key, one per writing connection; readers sum them).

    ``n`` counts the responses that count, ``screened_out`` those a screening «no» keeps out; per
    satisfaction slot k, ``positive{k}`` the answers yes / rather_yes, ``answered{k}`` the method's
    four answers, ``dont_know{k}`` «don't know»; ``promoters`` / ``passives`` / ``detractors`` the NPS
    scores 9–10 / 7–8 / 0–6 — each exactly what ``aggregates.repository`` counted over the raw rows
    before (screened-out responses have null ``sat*`` and ``nps``: they are in no answer count). The
    number of rows grows with units × months × channels, never with the responses. Ingestion adds
    the rows it stored now (``INSERT … ON CONFLICT DO UPDATE SET n = n + excluded.n``) in the same
    statement or transaction as the rows: a resend stores nothing and adds nothing.
    """

    __tablename__ = "response_counts"

    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="RESTRICT"), primary_key=True)
    quarter: Mapped[str] = mapped_column(String(6), primary_key=True)
    month: Mapped[str] = mapped_column(String(7), primary_key=True)
    org_unit_path: Mapped[str] = mapped_column(String(1024), primary_key=True)
    org_unit_code: Mapped[str] = mapped_column(String(64), primary_key=True)
    channel: Mapped[str] = mapped_column(String(16), primary_key=True)
    # Concurrent writers of one key add to different rows (``aggregates.counting.STRIPES``).
    stripe: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    n: Mapped[int] = mapped_column(Integer)
    screened_out: Mapped[int] = mapped_column(Integer)
    positive1: Mapped[int] = mapped_column(Integer)
    answered1: Mapped[int] = mapped_column(Integer)
    dont_know1: Mapped[int] = mapped_column(Integer)
    positive2: Mapped[int] = mapped_column(Integer)
    answered2: Mapped[int] = mapped_column(Integer)
    dont_know2: Mapped[int] = mapped_column(Integer)
    positive3: Mapped[int] = mapped_column(Integer)
    answered3: Mapped[int] = mapped_column(Integer)
    dont_know3: Mapped[int] = mapped_column(Integer)
    positive4: Mapped[int] = mapped_column(Integer)
    answered4: Mapped[int] = mapped_column(Integer)
    dont_know4: Mapped[int] = mapped_column(Integer)
    positive5: Mapped[int] = mapped_column(Integer)
    answered5: Mapped[int] = mapped_column(Integer)
    dont_know5: Mapped[int] = mapped_column(Integer)
    promoters: Mapped[int] = mapped_column(Integer)
    passives: Mapped[int] = mapped_column(Integer)
    detractors: Mapped[int] = mapped_column(Integer)
