from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from kpi_api.models import AuditEvent
from zdrav_shared.ownership import DefinitionChange


class AuditEventRead(BaseModel):
    """One change: who, when, the state before and after, and the reason given."""

    entity: str = Field(examples=["value"])
    entity_id: int
    action: str = Field(examples=["created", "updated", "submitted", "approved", "reopened"])
    actor: str
    at: datetime
    before: dict[str, Any] | None = None
    after: dict[str, Any] | None = None
    reason: str | None = None

    @classmethod
    def of(cls, event: AuditEvent) -> AuditEventRead:
        return cls(
            entity=event.entity,
            entity_id=event.entity_id,
            action=event.action,
            actor=event.actor,
            at=event.at,
            before=event.before,
            after=event.after,
            reason=event.reason,
        )


def definition_change(event: AuditEvent) -> DefinitionChange:
    """An audit event of a definition (indicator, deadline rule) as the shared history row."""
    return DefinitionChange(
        at=event.at,
        actor=event.actor,
        action=event.action,
        before=event.before,
        after=event.after,
        reason=event.reason,
    )
