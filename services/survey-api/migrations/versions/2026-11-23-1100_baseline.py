"""baseline: an empty schema so that every database has a revision from the start

Revision ID: survey0001
Revises:
Create Date: 2026-11-23 11:00:00
"""

from collections.abc import Sequence

revision: str = "survey0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
