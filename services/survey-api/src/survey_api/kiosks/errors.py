from __future__ import annotations

from zdrav_shared.problems import Forbidden, NotFound, Unauthorized


class KioskNotFound(NotFound):
    slug = "kiosk-not-found"
    title = "Kiosk not found"

    def __init__(self, kiosk_id: str) -> None:
        super().__init__(f"there is no kiosk {kiosk_id}", id=kiosk_id)


class KioskTokenInvalid(Unauthorized):
    slug = "kiosk-token-invalid"
    title = "Kiosk token not accepted"


class KioskOutOfBinding(Forbidden):
    slug = "kiosk-binding"
    title = "The kiosk is bound to another campaign or org unit"
