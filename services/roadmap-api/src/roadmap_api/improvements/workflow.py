"""The project's own workflow: comments (by its organisation's operators too) and the passport's
approval by the regional centre. Flushes, never commits."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from roadmap_api.improvements.errors import PassportStepRefused
from roadmap_api.improvements.rules import PassportAction, PassportStatus, passport_step
from roadmap_api.improvements.schemas import CommentCreate, PassportStep
from roadmap_api.improvements.service import ENTITY, ImprovementService
from roadmap_api.models import ImprovementComment, ImprovementProject
from zdrav_shared.auth import Principal
from zdrav_shared.logging import get_logger
from zdrav_shared.orm import utcnow
from zdrav_shared.problems import Forbidden

log = get_logger(__name__)

DEFAULT_APPROVER = "Региональный центр организации первичной медико-санитарной помощи"


class ImprovementWorkflow:
    def __init__(self, session: AsyncSession, principal: Principal) -> None:
        self.session = session
        self.projects = ImprovementService(session, principal)
        self.principal = principal

    async def comment(self, project_id: int, data: CommentCreate) -> ImprovementComment:
        project = await self.projects.load(project_id, write=True, progress=True)
        row = ImprovementComment(project_id=project.id, author=self.principal.sub, text=data.text, created_at=utcnow())
        self.session.add(row)
        await self.session.flush()
        return row

    async def comments(self, project_id: int, after_id: int | None, limit: int) -> list[ImprovementComment]:
        project = await self.projects.load(project_id)
        query = select(ImprovementComment).where(ImprovementComment.project_id == project.id)
        if after_id is not None:
            query = query.where(ImprovementComment.id > after_id)
        result = await self.session.execute(query.order_by(ImprovementComment.id).limit(limit))
        return list(result.scalars())

    async def passport(self, project_id: int, data: PassportStep) -> ImprovementProject:
        """Submit, approve (four eyes: not by who submitted it) or return the passport; audited."""
        project = await self.projects.load(project_id, write=True)
        current = PassportStatus(project.passport_status)
        try:
            new = passport_step(current, data.action)
        except ValueError as error:
            raise PassportStepRefused(str(error), reason="illegal_passport_step") from error
        before = {
            "passport_status": project.passport_status,
            "passport_approved_by": project.passport_approved_by,
            "passport_note": project.passport_note,
        }
        now = utcnow()
        if data.action is PassportAction.SUBMIT:
            project.passport_submitted_by, project.passport_submitted_at = self.principal.sub, now
            project.passport_approved_by = project.passport_approved_at = None
        elif data.action is PassportAction.APPROVE:
            if project.passport_submitted_by == self.principal.sub:
                raise Forbidden(
                    "the passport was submitted by you: another person of the regional centre approves it",
                    reason="four_eyes",
                )
            project.passport_approved_by, project.passport_approved_at = self.principal.sub, now
            project.passport_approver_body = data.approver_body or DEFAULT_APPROVER
        else:
            project.passport_approved_by = project.passport_approved_at = None
        project.passport_status = new.value
        project.passport_note = data.note
        project.version += 1
        self.projects.audit.event(
            region_code=project.region_code,
            entity=ENTITY,
            entity_id=project.id,
            action=f"passport_{new.value}",
            before=before,
            after={
                "passport_status": project.passport_status,
                "passport_approved_by": project.passport_approved_by,
                "passport_note": project.passport_note,
            },
            reason=data.note,
        )
        await self.session.flush()
        log.info("improvement_passport_step", project_id=project.id, status=new.value, by=self.principal.sub)
        return project
