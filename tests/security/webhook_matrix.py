"""The authorisation matrix rows and request builders of ``/v1/webhooks``, the same in every service.

A webhook is owned like a definition (zdrav_shared.ownership): each target's webhook is created by
that region's own admin and owned by the region; only its owner sees or changes it — another region's
admin and the federal centre (owner RU, which subscribes to federal webhooks of its own) get 404, as
if it did not exist. A webhook owned by a region is created by that region only (403 otherwise), and
operators and analysts never subscribe (403 at the door)."""

from __future__ import annotations

import importlib
from collections.abc import Awaitable, Callable
from typing import Any

from support import OTHER, OWN

from zdrav_shared.testing import token
from zdrav_shared.webhooks.outbox import emit
from zdrav_shared.webhooks.worker import DeliveryWorker, WebhookSettings

REGION = {"own": OWN, "other": OTHER}
ADMINS = {
    target: {"Authorization": f"Bearer {token(['regional_admin'], [region], sub=f'sec-hooks-{target}')}"}
    for target, region in REGION.items()
}
# A public address literal: accepted without DNS; nothing is delivered (no worker runs in the matrix).
TARGET_URL = "https://93.184.216.34/hook"

EXPECTED: dict[str, str] = {
    # a webhook owned by the target region: only that region's admin creates it
    "create_webhook": "403 403 | 201 403 | 403 403 | 403 403",
    "list_webhooks": "200 200 | 200 200 | 403 403 | 403 403",  # filtered to the webhooks the caller owns
    # the region's webhook: its admin only (the federal centre's are its own, owner RU)
    "get_webhook": "404 404 | 200 404 | 403 403 | 403 403",
    "delete_webhook": "404 404 | 204 404 | 403 403 | 403 403",
    "list_webhook_deliveries": "404 404 | 200 404 | 403 403 | 403 403",
    "replay_webhook_delivery": "404 404 | 202 404 | 403 403 | 403 403",
}

Request = tuple[str, str, dict[str, Any]]


async def _create(world: Any, target: str, events: list[str]) -> int:
    body = {"url": TARGET_URL, "events": events, "secret": "a-matrix-secret-of-32-characters", "owner": REGION[target]}
    response = await world.client.post("/v1/webhooks", json=body, headers=ADMINS[target])
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


def builders(package: str, events: tuple[str, ...]) -> dict[str, Callable[[Any, str], Awaitable[Request]]]:
    """The builders of one service (``package``: its import name, whose models hold ``WEBHOOKS``)."""
    tables = importlib.import_module(f"{package}.models").WEBHOOKS

    async def webhook(world: Any, target: str) -> int:
        key = f"webhook-{target}"
        if key not in world.ids:
            world.ids[key] = await _create(world, target, [events[0]])
        return int(world.ids[key])

    async def delivery(world: Any, target: str) -> tuple[int, str]:
        """A webhook with one delivery queued: an event of its region fanned out (never sent)."""
        key = f"delivery-{target}"
        if key not in world.ids:
            hook = await webhook(world, target)
            engine = world.app.state.db.engine
            async with engine.begin() as conn:
                await emit(conn, tables, event=events[0], subject="matrix:1", scope=["RU", REGION[target]], data={})
            await DeliveryWorker(engine, tables, WebhookSettings(), http=None).fan_out()  # type: ignore[arg-type]
            log = await world.client.get(f"/v1/webhooks/{hook}/deliveries", headers=ADMINS[target])
            world.ids[key] = (hook, log.json()[0]["delivery_id"])
        found: tuple[int, str] = world.ids[key]
        return found

    async def create(world: Any, target: str) -> Request:
        body = {
            "url": TARGET_URL,
            "events": [events[0]],
            "secret": "a-matrix-secret-of-32-characters",
            "owner": REGION[target],
        }
        return "POST", "/v1/webhooks", {"json": body}

    async def list_all(world: Any, target: str) -> Request:
        await webhook(world, target)
        return "GET", "/v1/webhooks", {}

    async def get(world: Any, target: str) -> Request:
        return "GET", f"/v1/webhooks/{await webhook(world, target)}", {}

    async def delete(world: Any, target: str) -> Request:
        return "DELETE", f"/v1/webhooks/{await _create(world, target, [events[0]])}", {}

    async def deliveries(world: Any, target: str) -> Request:
        hook, _ = await delivery(world, target)
        return "GET", f"/v1/webhooks/{hook}/deliveries", {}

    async def replay(world: Any, target: str) -> Request:
        hook, delivery_id = await delivery(world, target)
        return "POST", f"/v1/webhooks/{hook}/deliveries/{delivery_id}/replay", {}

    return {
        "create_webhook": create,
        "list_webhooks": list_all,
        "get_webhook": get,
        "delete_webhook": delete,
        "list_webhook_deliveries": deliveries,
        "replay_webhook_delivery": replay,
    }
