"""HTTP layer of the audit trail."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel

from roadmap_api.audit.repository import list_entries
from roadmap_api.deps import Caller, Session
from roadmap_api.regions import readable_regions
from zdrav_shared.pagination import Page, PageParams, make_page, page_params
from zdrav_shared.problems import problem_responses

router = APIRouter(prefix="/v1/audit-entries", tags=["audit"])

ENTITY_PATTERN = r"^[a-z_]{1,40}$"


class AuditEntryRead(BaseModel):
    """One audited change: who, when, what it was, what it became, and why."""

    id: int
    region_code: str
    entity: str
    entity_id: int
    action: str
    field: str | None
    before: Any
    after: Any
    reason: str | None
    actor: str
    at: datetime


@router.get(
    "",
    response_model=Page[AuditEntryRead],
    operation_id="list_audit_entries",
    summary="The audit trail of centres, escalations, catalogues, projects and programmes",
    responses=problem_responses(401, 422),
)
async def list_audit_entries(
    session: Session,
    caller: Caller,
    page: Annotated[PageParams, Depends(page_params)],
    entity: Annotated[
        str | None,
        Query(
            pattern=ENTITY_PATTERN,
            description="regional_centre, centre_member, escalation, improvement_project, best_practice, "
            "life_situation, self_assessment, session_project, programme, …",
        ),
    ] = None,
    entity_id: Annotated[int | None, Query(ge=1, le=2_147_483_647)] = None,
) -> Page[AuditEntryRead]:
    """Oldest first. Entries of regions outside the caller's scope are not listed; entries of
    federal catalogues (`region_code` `RU`) are readable by everyone."""
    rows = await list_entries(
        session,
        regions=readable_regions(caller),
        entity=entity,
        entity_id=entity_id,
        after_id=int(page.after[0]) if page.after and isinstance(page.after[0], int) else None,
        limit=page.limit + 1,
    )
    items = [AuditEntryRead.model_validate(r, from_attributes=True) for r in rows]
    return make_page(items, page, lambda r: [r.id])
