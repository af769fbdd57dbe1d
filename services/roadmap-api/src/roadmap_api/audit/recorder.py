"""Writes audited changes: one row per changed field, or one row with the whole snapshot for an
action that is not a field change (created, deleted, approved, raised …)."""

from __future__ import annotations

from collections.abc import Mapping
from enum import Enum
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from roadmap_api.common import json_value
from roadmap_api.models import AuditEntry
from zdrav_shared.orm import utcnow


def plain(value: Any) -> Any:
    """A JSON-friendly form of a value (enums by value, dates ISO, Decimals as strings)."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return json_value(value)


def changed_fields(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[tuple[str, Any, Any]]:
    """``(field, before, after)`` for every field of ``after`` whose plain value differs."""
    out = []
    for name, new in after.items():
        old = plain(before.get(name))
        new_plain = plain(new)
        if old != new_plain:
            out.append((name, old, new_plain))
    return out


class Audit:
    """Adds audit rows to the caller's session (flushed and committed with the change itself)."""

    def __init__(self, session: AsyncSession, actor: str) -> None:
        self.session = session
        self.actor = actor

    def event(
        self,
        *,
        region_code: str,
        entity: str,
        entity_id: int,
        action: str,
        before: Any = None,
        after: Any = None,
        reason: str | None = None,
    ) -> None:
        """One row for a whole action (created, approved, raised, deleted …)."""
        self.session.add(
            AuditEntry(
                region_code=region_code,
                entity=entity,
                entity_id=entity_id,
                action=action,
                field=None,
                before=plain(before),
                after=plain(after),
                reason=reason,
                actor=self.actor,
                at=utcnow(),
            )
        )

    def changes(
        self,
        *,
        region_code: str,
        entity: str,
        entity_id: int,
        action: str,
        before: Mapping[str, Any],
        after: Mapping[str, Any],
        reason: str | None = None,
    ) -> int:
        """One row per changed field; returns how many fields changed."""
        at = utcnow()
        changes = changed_fields(before, after)
        for name, old, new in changes:
            self.session.add(
                AuditEntry(
                    region_code=region_code,
                    entity=entity,
                    entity_id=entity_id,
                    action=action,
                    field=name,
                    before=old,
                    after=new,
                    reason=reason,
                    actor=self.actor,
                    at=at,
                )
            )
        return len(changes)
