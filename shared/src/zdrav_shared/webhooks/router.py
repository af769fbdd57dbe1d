"""``/v1/webhooks``: subscribe to a service's events, read the delivery log, replay a delivery.

A webhook has an owner like a definition (``RU`` or a region, see :mod:`zdrav_shared.ownership`):
it receives the events of its owner's subtree only, and only callers who own it see or change it —
for anyone else it does not exist (404).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from sqlalchemy import Row, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from zdrav_shared.auth import Principal, Role, require_role, role_required
from zdrav_shared.db import CommittingRoute, db_session
from zdrav_shared.orm import utcnow
from zdrav_shared.ownership import default_owner, owners_of
from zdrav_shared.problems import FieldError, NotFound, Unprocessable, problem_responses
from zdrav_shared.webhooks.schemas import DeliveryRead, WebhookCreate, WebhookRead
from zdrav_shared.webhooks.tables import WebhookTables
from zdrav_shared.webhooks.targets import TargetRefused, check_target
from zdrav_shared.webhooks.worker import PENDING, WebhookSettings

OWNERS = (Role.FEDERAL, Role.REGIONAL_ADMIN)
MAX_DELIVERIES = 500

Session = Annotated[AsyncSession, Depends(db_session)]
# An INTEGER column's range: a larger id is a 422, never an overflow in the driver.
WebhookId = Annotated[int, Path(ge=1, le=2_147_483_647)]
DeliveryId = Annotated[str, Path(max_length=36)]
# Declared at the door (OpenAPI x-roles, docs/roles.md); ownership is checked per webhook below.
Caller = Annotated[Principal, Depends(role_required(*OWNERS))]


def _webhook(row: Row[Any]) -> WebhookRead:
    return WebhookRead(
        id=row.id,
        url=row.url,
        events=list(row.events),
        owner=row.owner,
        active=row.active,
        created_by=row.created_by,
        created_at=row.created_at,
    )


def _delivery(row: Row[Any]) -> DeliveryRead:
    return DeliveryRead(
        delivery_id=row.delivery_id,
        event=row.event,
        subject=row.subject,
        status=row.status,
        attempts=row.attempts,
        last_status_code=row.last_status_code,
        last_error=row.last_error,
        created_at=row.created_at,
        next_attempt_at=row.next_attempt_at if row.status == PENDING else None,
        delivered_at=row.delivered_at,
        replay_of=row.replay_of,
    )


def webhooks_router(tables: WebhookTables, events: Sequence[str]) -> APIRouter:
    """The webhook endpoints of a service that emits ``events``."""
    known = tuple(events)
    router = APIRouter(prefix="/v1/webhooks", tags=["webhooks"], route_class=CommittingRoute)
    subs, deliveries, outbox = tables.subscriptions, tables.deliveries, tables.events

    async def owned(session: AsyncSession, caller: Principal, webhook_id: int) -> Row[Any]:
        require_role(caller, *OWNERS)
        row = (await session.execute(select(subs).where(subs.c.id == webhook_id))).first()
        if row is None or row.owner not in owners_of(caller):
            raise NotFound(f"webhook {webhook_id} does not exist")
        return row

    def delivery_rows(webhook_id: int) -> Any:
        return (
            select(deliveries, outbox.c.event)
            .join(outbox, outbox.c.id == deliveries.c.event_id)
            .where(deliveries.c.subscription_id == webhook_id)
        )

    @router.post(
        "",
        status_code=201,
        response_model=WebhookRead,
        operation_id="create_webhook",
        summary="Subscribe a URL to events",
        description=(
            "Deliveries are POSTs of `{event, delivery_id, occurred_at, data}` with `X-Zdrav-Event`, "
            "`X-Zdrav-Delivery` and `X-Zdrav-Signature: sha256=<hex HMAC-SHA256 of the body>`, retried "
            "with backoff for 24 hours, at least once and in order per subject. Events of this service: "
            f"{', '.join(known)}. Private and loopback targets need their host in `ZDRAV_WEBHOOK_ALLOW`."
        ),
        responses=problem_responses(400, 401, 403, 422),
    )
    async def create_webhook(body: WebhookCreate, request: Request, session: Session, caller: Caller) -> WebhookRead:
        require_role(caller, *OWNERS)
        owner = default_owner(caller, body.owner)
        errors = [
            FieldError(pointer=f"/events/{i}", message=f"unknown event {name!r}: this service emits {', '.join(known)}")
            for i, name in enumerate(body.events)
            if name not in known
        ]
        if len(set(body.events)) != len(body.events):
            errors.append(FieldError(pointer="/events", message="an event is listed twice"))
        settings: WebhookSettings = getattr(request.app.state, "webhook_settings", WebhookSettings())
        try:
            await check_target(body.url, settings.allow)
        except TargetRefused as exc:
            errors.append(FieldError(pointer="/url", message=str(exc)))
        if errors:
            raise Unprocessable("; ".join(e.message for e in errors), errors=errors)
        values = {
            "url": body.url,
            "events": body.events,
            "secret": body.secret,
            "owner": owner,
            "created_by": caller.sub,
            "active": True,
            "created_at": utcnow(),
        }
        new_id = (await session.execute(subs.insert().values(**values).returning(subs.c.id))).scalar_one()
        return _webhook((await session.execute(select(subs).where(subs.c.id == new_id))).one())

    @router.get(
        "",
        response_model=list[WebhookRead],
        operation_id="list_webhooks",
        summary="The webhooks the caller owns",
        responses=problem_responses(401, 403),
    )
    async def list_webhooks(session: Session, caller: Caller) -> list[WebhookRead]:
        """Webhooks owned by the caller's federation or regions, oldest first."""
        require_role(caller, *OWNERS)
        query = select(subs).where(subs.c.owner.in_(sorted(owners_of(caller)))).order_by(subs.c.id)
        return [_webhook(row) for row in (await session.execute(query)).all()]

    @router.get(
        "/{webhook_id}",
        response_model=WebhookRead,
        operation_id="get_webhook",
        summary="One webhook",
        responses=problem_responses(401, 403, 404, 422),
    )
    async def get_webhook(webhook_id: WebhookId, session: Session, caller: Caller) -> WebhookRead:
        """A webhook the caller owns (404 otherwise)."""
        return _webhook(await owned(session, caller, webhook_id))

    @router.delete(
        "/{webhook_id}",
        status_code=204,
        operation_id="delete_webhook",
        summary="Stop a webhook",
        responses=problem_responses(401, 403, 404, 422),
    )
    async def delete_webhook(webhook_id: WebhookId, session: Session, caller: Caller) -> Response:
        """No new deliveries are made for it; its delivery log stays readable."""
        await owned(session, caller, webhook_id)
        await session.execute(update(subs).where(subs.c.id == webhook_id).values(active=False))
        return Response(status_code=204)

    @router.get(
        "/{webhook_id}/deliveries",
        response_model=list[DeliveryRead],
        operation_id="list_webhook_deliveries",
        summary="The delivery log of a webhook",
        responses=problem_responses(401, 403, 404, 422),
    )
    async def list_webhook_deliveries(
        webhook_id: WebhookId,
        session: Session,
        caller: Caller,
        status: Annotated[str | None, Query(pattern="^(pending|delivered|failed)$")] = None,
        limit: Annotated[int, Query(ge=1, le=MAX_DELIVERIES)] = 100,
    ) -> list[DeliveryRead]:
        """Newest first: attempts, the last status code or error, and when a pending one is tried next."""
        await owned(session, caller, webhook_id)
        query = delivery_rows(webhook_id)
        if status is not None:
            query = query.where(deliveries.c.status == status)
        rows = (await session.execute(query.order_by(deliveries.c.id.desc()).limit(limit))).all()
        return [_delivery(row) for row in rows]

    @router.post(
        "/{webhook_id}/deliveries/{delivery_id}/replay",
        status_code=202,
        response_model=DeliveryRead,
        operation_id="replay_webhook_delivery",
        summary="Send a delivery again",
        responses=problem_responses(401, 403, 404, 422),
    )
    async def replay_webhook_delivery(
        webhook_id: WebhookId, delivery_id: DeliveryId, session: Session, caller: Caller
    ) -> DeliveryRead:
        """Queues the same event again as a new delivery (a new `X-Zdrav-Delivery` id, `replay_of`
        naming the original), whatever became of the original."""
        await owned(session, caller, webhook_id)
        original = (
            await session.execute(
                select(deliveries).where(
                    deliveries.c.subscription_id == webhook_id, deliveries.c.delivery_id == delivery_id
                )
            )
        ).first()
        if original is None:
            raise NotFound(f"delivery {delivery_id} of webhook {webhook_id} does not exist")
        now = utcnow()
        new_id = str(uuid.uuid4())
        await session.execute(
            deliveries.insert().values(
                delivery_id=new_id,
                subscription_id=webhook_id,
                event_id=original.event_id,
                subject=original.subject,
                status=PENDING,
                attempts=0,
                created_at=now,
                next_attempt_at=now,
                replay_of=original.delivery_id,
            )
        )
        row = (await session.execute(delivery_rows(webhook_id).where(deliveries.c.delivery_id == new_id))).one()
        return _delivery(row)

    return router
