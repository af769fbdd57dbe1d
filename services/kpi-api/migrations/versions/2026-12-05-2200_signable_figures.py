"""signable figures: owners of definitions, reporting levels, entered ratios, four eyes, regional deadlines

- ``indicators``: ``owner`` (``RU`` for every existing indicator, ``RU-MUR`` for the Murmansk programme's
  ``MUR_T…`` ones), ``reporting_level`` (null: any level, as before) and ``scale`` (ratio inputs);
- ``indicator_values``: ``numerator`` and ``denominator`` of ratio inputs; ``entered_by`` (who last
  changed the figure) and ``submitted_by``, read back from the audit trail for existing values (the
  latest ``created``/``updated`` event, and the latest ``submitted`` event or, for a value submitted
  while it was written, that write), so that four-eyes approval holds for them too; the window index
  also carries status, numerator and denominator (analytics filters on status and sums the counts
  from the index alone);
- ``source_values``: ``dont_know`` beside the satisfaction counts;
- ``deadline_rules``: one row per owner and periodicity (a region's own deadline beside the national
  one) with an id for its history, ``active`` and ``version``; existing overrides become ``RU``'s.

Revision ID: 51555b8bc78d
Revises: 771dd01ab12e
Create Date: 2026-12-05 22:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "51555b8bc78d"
down_revision: str | None = "771dd01ab12e"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

WINDOW = ["indicator_id", "year", "end_month", "org_unit_id"]

_LAST_ENTRY = """
    SELECT a.actor FROM audit_events a
    WHERE a.entity = 'value' AND a.entity_id = indicator_values.id AND a.action IN ({actions})
    ORDER BY a.id DESC LIMIT 1
"""


def upgrade() -> None:
    with op.batch_alter_table("indicators", schema=None) as batch_op:
        batch_op.add_column(sa.Column("owner", sa.String(length=64), nullable=False, server_default="RU"))
        batch_op.add_column(sa.Column("scale", sa.Numeric(precision=20, scale=6), nullable=True))
        batch_op.add_column(sa.Column("reporting_level", sa.String(length=20), nullable=True))
    op.execute("UPDATE indicators SET owner = 'RU-MUR' WHERE substr(code, 1, 5) = 'MUR_T'")
    with op.batch_alter_table("indicators", schema=None) as batch_op:
        batch_op.alter_column("owner", server_default=None)
        batch_op.create_index(batch_op.f("ix_indicators_owner"), ["owner"], unique=False)

    with op.batch_alter_table("indicator_values", schema=None) as batch_op:
        batch_op.add_column(sa.Column("numerator", sa.Numeric(precision=20, scale=6), nullable=True))
        batch_op.add_column(sa.Column("denominator", sa.Numeric(precision=20, scale=6), nullable=True))
        batch_op.add_column(sa.Column("entered_by", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("submitted_by", sa.String(length=200), nullable=True))
        batch_op.drop_index("ix_indicator_values_window")
        batch_op.create_index(
            "ix_indicator_values_window",
            WINDOW,
            unique=False,
            postgresql_include=["value", "status", "numerator", "denominator"],
        )
    entry = _LAST_ENTRY.format(actions="'created', 'updated'")
    submission = _LAST_ENTRY.format(actions="'submitted'")
    op.execute(f"UPDATE indicator_values SET entered_by = COALESCE(({entry}), updated_by)")
    op.execute(
        f"UPDATE indicator_values SET submitted_by = COALESCE(({submission}), entered_by) "
        "WHERE submitted_at IS NOT NULL"
    )

    with op.batch_alter_table("source_values", schema=None) as batch_op:
        batch_op.add_column(sa.Column("dont_know", sa.Integer(), nullable=True))

    _deadline_rules_by_owner()


def _deadline_rules_by_owner() -> None:
    """Rebuild ``deadline_rules`` with an id and an owner; the national overrides stay, owned by RU."""
    bind = op.get_bind()
    old = sa.table(
        "deadline_rules",
        sa.column("periodicity", sa.String),
        sa.column("day_of_month", sa.Integer),
        sa.column("months_after", sa.Integer),
        sa.column("working_days", sa.Boolean),
        sa.column("roll_forward", sa.Boolean),
        sa.column("updated_by", sa.String),
        sa.column("updated_at", sa.DateTime(timezone=True)),
    )
    rows = [dict(r._mapping) for r in bind.execute(sa.select(old)).all()]
    op.drop_table("deadline_rules")
    rules = op.create_table(
        "deadline_rules",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("owner", sa.String(length=64), nullable=False),
        sa.Column("periodicity", sa.String(length=10), nullable=False),
        sa.Column("day_of_month", sa.Integer(), nullable=False),
        sa.Column("months_after", sa.Integer(), nullable=False),
        sa.Column("working_days", sa.Boolean(), nullable=False),
        sa.Column("roll_forward", sa.Boolean(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_by", sa.String(length=200), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deadline_rules")),
        sa.UniqueConstraint("owner", "periodicity", name="uq_deadline_rules_owner_periodicity"),
    )
    if rows:
        op.bulk_insert(rules, [{**r, "owner": "RU", "active": True, "version": 1} for r in rows])


def downgrade() -> None:
    bind = op.get_bind()
    rules = sa.table(
        "deadline_rules",
        sa.column("owner", sa.String),
        sa.column("periodicity", sa.String),
        sa.column("day_of_month", sa.Integer),
        sa.column("months_after", sa.Integer),
        sa.column("working_days", sa.Boolean),
        sa.column("roll_forward", sa.Boolean),
        sa.column("active", sa.Boolean),
        sa.column("updated_by", sa.String),
        sa.column("updated_at", sa.DateTime(timezone=True)),
    )
    national = [
        {k: v for k, v in dict(r._mapping).items() if k not in ("owner", "active")}
        for r in bind.execute(sa.select(rules).where(rules.c.owner == "RU", rules.c.active)).all()
    ]
    op.drop_table("deadline_rules")
    old = op.create_table(
        "deadline_rules",
        sa.Column("periodicity", sa.String(length=10), nullable=False),
        sa.Column("day_of_month", sa.Integer(), nullable=False),
        sa.Column("months_after", sa.Integer(), nullable=False),
        sa.Column("working_days", sa.Boolean(), nullable=False),
        sa.Column("roll_forward", sa.Boolean(), nullable=False),
        sa.Column("updated_by", sa.String(length=200), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("periodicity", name=op.f("pk_deadline_rules")),
    )
    if national:
        op.bulk_insert(old, national)

    with op.batch_alter_table("source_values", schema=None) as batch_op:
        batch_op.drop_column("dont_know")

    with op.batch_alter_table("indicator_values", schema=None) as batch_op:
        batch_op.drop_index("ix_indicator_values_window")
        batch_op.create_index("ix_indicator_values_window", WINDOW, unique=False, postgresql_include=["value"])
        batch_op.drop_column("submitted_by")
        batch_op.drop_column("entered_by")
        batch_op.drop_column("denominator")
        batch_op.drop_column("numerator")

    with op.batch_alter_table("indicators", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_indicators_owner"))
        batch_op.drop_column("reporting_level")
        batch_op.drop_column("scale")
        batch_op.drop_column("owner")
