"""Kiosk use cases: registration (token shown once, stored hashed), revocation, token checks."""

from __future__ import annotations

import hashlib
import secrets
import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from survey_api.campaigns.context import CampaignCache
from survey_api.campaigns.errors import CampaignNotActive
from survey_api.campaigns.schemas import CampaignStatus
from survey_api.common import as_utc, lineage_of
from survey_api.kiosks.errors import KioskNotFound, KioskTokenInvalid
from survey_api.kiosks.repository import KioskRepository
from survey_api.kiosks.schemas import KioskCreate, KioskRead
from survey_api.kiosks.token_cache import AuthenticatedKiosk, KioskTokenCache
from survey_api.models import Kiosk, utcnow
from zdrav_shared.auth import KIOSK_TOKEN_PREFIX, Principal, Role, require_role, require_scope
from zdrav_shared.logging import get_logger
from zdrav_shared.problems import Unprocessable

log = get_logger(__name__)

TOKEN_PREFIX = KIOSK_TOKEN_PREFIX
"""Kiosk tokens start with this, so a bearer token is told from a JWT without decoding it (every
service tells a kiosk token sent to a user endpoint what it may do instead)."""
MANAGER_ROLES = (Role.FEDERAL, Role.REGIONAL_ADMIN, Role.MO_OPERATOR)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def read_of(kiosk: Kiosk) -> KioskRead:
    return KioskRead(
        id=kiosk.id,
        campaign_code=kiosk.campaign_code,
        org_unit_code=kiosk.org_unit_code,
        name=kiosk.name,
        created_at=as_utc(kiosk.created_at),
        revoked_at=as_utc(kiosk.revoked_at) if kiosk.revoked_at else None,
        last_seen_at=as_utc(kiosk.last_seen_at) if kiosk.last_seen_at else None,
        accepted_count=kiosk.accepted_count,
        duplicate_count=kiosk.duplicate_count,
        rejected_count=kiosk.rejected_count,
    )


class KioskService:
    def __init__(self, session: AsyncSession, cache: CampaignCache, tokens: KioskTokenCache) -> None:
        self.session = session
        self.repo = KioskRepository(session)
        self.cache = cache
        self.tokens = tokens

    async def register(self, caller: Principal, data: KioskCreate) -> tuple[Kiosk, str]:
        require_role(caller, *MANAGER_ROLES)
        context = await self.cache.get(self.session, data.campaign_code)
        if context is None:
            raise Unprocessable(f"there is no campaign {data.campaign_code}", pointer="/campaign_code")
        unit = context.units.get(data.org_unit_code)
        if unit is None:
            raise Unprocessable(
                f"campaign {data.campaign_code} is not deployed to {data.org_unit_code}", pointer="/org_unit_code"
            )
        require_scope(caller, unit.lineage, unit.code)
        if context.status == CampaignStatus.CLOSED:
            raise CampaignNotActive(context.code, context.status)
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        kiosk = Kiosk(
            id=str(uuid.uuid4()),
            campaign_id=context.id,
            campaign_code=context.code,
            org_unit_code=unit.code,
            org_unit_path=unit.path,
            name=data.name,
            token_hash=hash_token(token),
            created_by=caller.sub,
            created_at=utcnow(),
            accepted_count=0,
            duplicate_count=0,
            rejected_count=0,
        )
        self.repo.add(kiosk)
        await self.repo.flush()
        log.info("kiosk_registered", kiosk_id=kiosk.id, campaign=context.code, org_unit=unit.code, by=caller.sub)
        return kiosk, token

    async def get(self, caller: Principal, kiosk_id: str) -> Kiosk:
        kiosk = await self.repo.get(kiosk_id)
        # Outside the caller's scope looks the same as absent: ids are not to be probed.
        if kiosk is None or not caller.covers(lineage_of(kiosk.org_unit_path)):
            raise KioskNotFound(kiosk_id)
        return kiosk

    async def revoke(self, caller: Principal, kiosk_id: str) -> Kiosk:
        require_role(caller, *MANAGER_ROLES)
        kiosk = await self.get(caller, kiosk_id)
        if kiosk.revoked_at is None:
            kiosk.revoked_at = utcnow()
            await self.repo.flush()
            log.info("kiosk_revoked", kiosk_id=kiosk.id, by=caller.sub)
        # Also when revoked before: it keeps a concurrent check of the old row out of the cache.
        self.tokens.invalidate(kiosk.token_hash)
        return kiosk

    async def authenticate(self, token: str) -> AuthenticatedKiosk:
        """The kiosk holding ``token``, from the database; 401 when unknown or revoked. A success is
        remembered in the token cache, which callers consult first (see ``deps``)."""
        token_hash = hash_token(token)
        kiosk = await self.repo.by_token_hash(token_hash)
        if kiosk is None:
            raise KioskTokenInvalid("the kiosk token is not known")
        if kiosk.revoked_at is not None:
            raise KioskTokenInvalid("the kiosk token has been revoked")
        authenticated = AuthenticatedKiosk(
            id=kiosk.id, campaign_code=kiosk.campaign_code, org_unit_code=kiosk.org_unit_code
        )
        self.tokens.put(token_hash, authenticated)
        return authenticated
