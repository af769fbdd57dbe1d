"""Small helpers shared by the features: channels, org-unit paths, UTC reads, dialect inserts."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from enum import StrEnum
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert


class Channel(StrEnum):
    """How a response was collected: at a kiosk, in an online form, read out on the phone, or on a
    paper form keyed in afterwards by staff."""

    KIOSK = "kiosk"
    ONLINE = "online"
    PHONE = "phone"
    PAPER = "paper"


class EnteredBy(StrEnum):
    """Whose hands typed the answers into Zdrav: the respondent's own, or an operator's (a phone
    interviewer, staff keying in a paper form). Recorded on every response and shown in exports, so
    that analysts can tell self-completed answers from transcribed ones."""

    RESPONDENT = "respondent"
    OPERATOR = "operator"


DEFAULT_ENTERED_BY: dict[Channel, EnteredBy] = {
    Channel.KIOSK: EnteredBy.RESPONDENT,
    Channel.ONLINE: EnteredBy.RESPONDENT,
    Channel.PHONE: EnteredBy.OPERATOR,
    Channel.PAPER: EnteredBy.OPERATOR,
}
"""Who enters a channel's answers unless the sender says otherwise: the respondent at a kiosk or in
an online form, an operator on the phone or from paper. Only a kiosk cannot say otherwise (its
respondent stands at the device)."""


class CampaignPurpose(StrEnum):
    """Why a campaign asks (the national method's two uses of the survey): the initial measurement
    before a roadmap (``self_assessment``, «самообследование») or the ongoing quarterly measurement
    (``monitoring``, «мониторинг»)."""

    SELF_ASSESSMENT = "self_assessment"
    MONITORING = "monitoring"


def path_string(lineage: Sequence[str]) -> str:
    """``['RU', 'RU-MUR', 'MUR-GP1']`` → ``/RU/RU-MUR/MUR-GP1/``: a subtree is ``LIKE '%/CODE/%'``."""
    return "/" + "".join(f"{code}/" for code in lineage)


def lineage_of(path: str) -> list[str]:
    """The inverse of :func:`path_string`."""
    return [code for code in path.split("/") if code]


def as_utc(value: datetime) -> datetime:
    """SQLite returns stored timestamps naive; they were written in UTC."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


@cache
def zone(name: str, fallback: str = "Europe/Moscow") -> ZoneInfo:
    """An IANA zone by name, the fallback for an unknown one."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(fallback)


def insert_ignoring_conflicts(dialect: str, table: Any, index_elements: Sequence[str]) -> Any:
    """``INSERT … ON CONFLICT (…) DO NOTHING`` for PostgreSQL or SQLite (both support it)."""
    statement = pg_insert(table) if dialect == "postgresql" else sqlite_insert(table)
    return statement.on_conflict_do_nothing(index_elements=list(index_elements))
