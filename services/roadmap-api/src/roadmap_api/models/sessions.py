"""Strategic sessions: sections, working groups, participants, projects, ballots, evaluations."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Integer, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from roadmap_api.models.base import Base, Timestamped, utcnow
from zdrav_shared.orm import AwareDateTime


class StrategicSession(Timestamped, Base):
    __tablename__ = "strategic_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    region_code: Mapped[str] = mapped_column(String(64), index=True)
    held_on: Mapped[date | None] = mapped_column(Date)
    theme: Mapped[str] = mapped_column(Text)
    organisers: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_by: Mapped[str] = mapped_column(String(200))
    # The session ends at ``ends_at`` when set, else when its last voting window closes.
    ends_at: Mapped[datetime | None] = mapped_column(AwareDateTime())
    composition_rules: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class SessionSection(Base):
    __tablename__ = "session_sections"
    __table_args__ = (UniqueConstraint("session_id", "code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("strategic_sessions.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(Text)
    voting_mode: Mapped[str] = mapped_column(String(20))
    opens_at: Mapped[datetime] = mapped_column(AwareDateTime())
    closes_at: Mapped[datetime] = mapped_column(AwareDateTime())
    max_total_points: Mapped[int | None] = mapped_column(Integer)
    max_points_per_project: Mapped[int | None] = mapped_column(Integer)
    top_n: Mapped[int] = mapped_column(Integer, default=1, server_default="1")


class WorkingGroup(Base):
    __tablename__ = "working_groups"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("strategic_sessions.id", ondelete="CASCADE"), index=True)
    section_id: Mapped[int | None] = mapped_column(ForeignKey("session_sections.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(300))
    moderator: Mapped[str] = mapped_column(String(300))


class Participant(Base):
    __tablename__ = "participants"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("strategic_sessions.id", ondelete="CASCADE"), index=True)
    group_id: Mapped[int | None] = mapped_column(ForeignKey("working_groups.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(300))
    category: Mapped[str] = mapped_column(String(40))


class SessionProject(Base):
    """A project drafted by a working group; once selected it links to what implements it."""

    __tablename__ = "session_projects"
    __table_args__ = (UniqueConstraint("session_id", "code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("strategic_sessions.id", ondelete="CASCADE"))
    section_id: Mapped[int] = mapped_column(ForeignKey("session_sections.id", ondelete="CASCADE"), index=True)
    group_id: Mapped[int | None] = mapped_column(ForeignKey("working_groups.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(Text)
    description: Mapped[str | None] = mapped_column(Text)
    selected: Mapped[bool] = mapped_column(default=False)
    status: Mapped[str] = mapped_column(String(30), default="drafted", server_default="drafted")
    refinement_due: Mapped[date | None] = mapped_column(Date)
    pilot_org_unit_codes: Mapped[list[str] | None] = mapped_column(JSON)
    status_changed_at: Mapped[datetime | None] = mapped_column(AwareDateTime())
    roadmap_id: Mapped[int | None] = mapped_column(ForeignKey("roadmaps.id", ondelete="SET NULL"))
    improvement_project_id: Mapped[int | None] = mapped_column(
        ForeignKey("improvement_projects.id", ondelete="SET NULL")
    )


class SessionBallot(Base):
    """One participant's ballot in one section: the UNIQUE constraint is what makes a second
    ballot (even a concurrent one) fail."""

    __tablename__ = "session_ballots"
    __table_args__ = (UniqueConstraint("section_id", "participant_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    section_id: Mapped[int] = mapped_column(ForeignKey("session_sections.id", ondelete="CASCADE"))
    participant_id: Mapped[int] = mapped_column(ForeignKey("participants.id", ondelete="CASCADE"), index=True)
    cast_at: Mapped[datetime] = mapped_column(AwareDateTime(), default=utcnow)
    # ``voting_token``: the participant voted from their own device; ``moderator``: keyed in for them.
    cast_via: Mapped[str] = mapped_column(String(20), default="moderator", server_default="moderator")


class BallotPoints(Base):
    __tablename__ = "ballot_points"
    __table_args__ = (UniqueConstraint("ballot_id", "project_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ballot_id: Mapped[int] = mapped_column(ForeignKey("session_ballots.id", ondelete="CASCADE"))
    project_id: Mapped[int] = mapped_column(ForeignKey("session_projects.id", ondelete="CASCADE"), index=True)
    points: Mapped[int] = mapped_column(Integer)


class ParticipantEvaluation(Base):
    __tablename__ = "participant_evaluations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("strategic_sessions.id", ondelete="CASCADE"), index=True)
    participant_id: Mapped[int] = mapped_column(ForeignKey("participants.id", ondelete="CASCADE"), index=True)
    evaluator: Mapped[str] = mapped_column(String(300))
    role: Mapped[str] = mapped_column(String(20))
    score: Mapped[Decimal] = mapped_column(Numeric(6, 2))
    comment: Mapped[str | None] = mapped_column(Text)


class SessionToken(Base):
    """An opaque token scoped to one session, stored hashed (like kiosk tokens): a participant's
    ``voting`` token (optionally limited to some sections) or an ``observer``'s read-only one."""

    __tablename__ = "session_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("strategic_sessions.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    participant_id: Mapped[int | None] = mapped_column(ForeignKey("participants.id", ondelete="CASCADE"), index=True)
    name: Mapped[str | None] = mapped_column(String(300))
    section_codes: Mapped[list[str] | None] = mapped_column(JSON)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    issued_by: Mapped[str] = mapped_column(String(200))
    issued_at: Mapped[datetime] = mapped_column(AwareDateTime(), default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(AwareDateTime())
