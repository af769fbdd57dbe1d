"""Writes field-level changes to the journal (who, when, before, after)."""

from __future__ import annotations

from collections.abc import Mapping

from roadmap_api.common import json_value
from roadmap_api.models import JournalEntry
from roadmap_api.roadmaps.repository import RoadmapRepository
from roadmap_api.tasks.rules import diff
from zdrav_shared.orm import utcnow


class Journal:
    def __init__(self, repo: RoadmapRepository, actor: str) -> None:
        self.repo = repo
        self.actor = actor

    def record(
        self,
        *,
        roadmap_id: int,
        entity: str,
        entity_id: int,
        action: str,
        before: Mapping[str, object],
        after: Mapping[str, object],
        task_id: int | None = None,
    ) -> int:
        """One entry per changed field; returns how many were written."""
        at = utcnow()
        changes = diff({k: json_value(v) for k, v in before.items()}, {k: json_value(v) for k, v in after.items()})
        for change in changes:
            self.repo.add(
                JournalEntry(
                    roadmap_id=roadmap_id,
                    task_id=task_id,
                    entity=entity,
                    entity_id=entity_id,
                    action=action,
                    field=change.field,
                    before=change.before,
                    after=change.after,
                    actor=self.actor,
                    at=at,
                )
            )
        return len(changes)
