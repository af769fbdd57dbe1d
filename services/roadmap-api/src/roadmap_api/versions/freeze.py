"""Approving a version: the working plan becomes the plan of record.

Approval freezes, in the version's row and its plan rows, what the roadmap was at that moment: the
KPIs with their baselines and targets, the measures, and every task in the plan (not cancelled) with
its start and due dates — and, for the leaves, the units execution will count (one per one-off task,
one per quarter or year of a recurring one; ``roadmap_api.execution.plan``). From the approval's date
in the region (``effective_from``) this version is the one the roadmap is measured against; the one
in force before it is ``superseded`` but keeps its plan, so that figures as of earlier dates still
read it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from roadmap_api.common import json_value
from roadmap_api.execution.plan import plan_rows
from roadmap_api.models import Measure, Roadmap, RoadmapKpi, RoadmapVersion
from roadmap_api.regions import local_date
from roadmap_api.roadmaps.journal import Journal
from roadmap_api.versions.repository import VersionRepository

DRAFT, APPROVED, SUPERSEDED = "draft", "approved", "superseded"


@dataclass(frozen=True, slots=True)
class Approval:
    """Who approved, as the method names them (free text), and the act."""

    governor: str | None = None
    agency: str | None = None
    document: str | None = None


def kpi_snapshot(kpis: Sequence[RoadmapKpi]) -> list[dict[str, Any]]:
    return [
        {
            "indicator_code": k.indicator_code,
            "baseline": json_value(k.baseline),
            "target": json_value(k.target),
            "target_period": k.target_period,
        }
        for k in kpis
    ]


def measure_snapshot(measures: Sequence[Measure]) -> list[dict[str, Any]]:
    return [
        {
            "id": m.id,
            "problem": m.problem,
            "causes": list(m.causes),
            "solution": m.solution,
            "best_practices": list(m.best_practices),
        }
        for m in measures
    ]


async def approve_open_version(
    repo: VersionRepository,
    journal: Journal,
    roadmap: Roadmap,
    kpis: Sequence[RoadmapKpi],
    measures: Sequence[Measure],
    approval: Approval,
    *,
    actor: str,
    now: datetime,
) -> RoadmapVersion:
    """Approve the roadmap's open version (its first draft or a revision) and make it current.

    The caller has checked that a version is open and holds the roadmap for a compare-and-set write
    (it bumps ``roadmap.version``)."""
    assert roadmap.draft_version is not None
    version = await repo.get(roadmap.id, roadmap.draft_version)
    if version is None:  # a roadmap from before versions existed: its draft gets its row now
        version = RoadmapVersion(roadmap_id=roadmap.id, number=roadmap.draft_version, created_by=actor, created_at=now)
        repo.add(version)
    previous = await repo.get(roadmap.id, roadmap.plan_version) if roadmap.plan_version is not None else None
    version.status = APPROVED
    version.approved_by = actor
    version.approved_at = now
    version.approved_by_governor = approval.governor
    version.approved_by_agency = approval.agency
    version.approval_document = approval.document
    version.effective_from = local_date(roadmap.timezone, now)
    version.kpis = kpi_snapshot(kpis)
    version.measures = measure_snapshot(measures)
    await repo.flush()
    rows = plan_rows(await repo.plan_nodes(roadmap.id))
    await repo.add_plan(version.id, rows)
    await repo.bump_task_versions(roadmap.id)
    if previous is not None:
        previous.status = SUPERSEDED
    roadmap.plan_version, roadmap.draft_version = version.number, None
    roadmap.approved_by, roadmap.approved_at = actor, now
    journal.record(
        roadmap_id=roadmap.id,
        entity="version",
        entity_id=version.id,
        action="approved",
        before={"status": DRAFT, "plan_version": previous.number if previous else None},
        after={
            "status": APPROVED,
            "plan_version": version.number,
            "approved_by_governor": approval.governor,
            "approved_by_agency": approval.agency,
            "approval_document": approval.document,
            "effective_from": version.effective_from,
            "tasks_in_plan": sum(1 for r in rows if r.occurrence == ""),
            "measured_units": sum(1 for r in rows if r.measured),
        },
    )
    return version
