"""Campaign use cases. Org units are checked against kpi-api through the shared client. Never commits."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from survey_api.campaigns.context import CampaignCache
from survey_api.campaigns.errors import BadStatusTransition, CampaignCodeTaken, CampaignNotFound
from survey_api.campaigns.repository import CampaignRepository
from survey_api.campaigns.schemas import CampaignCreate, CampaignRead, CampaignStatus, CampaignUpdate
from survey_api.common import CampaignPurpose, Channel, path_string
from survey_api.models import Campaign, CampaignOrgUnit, utcnow
from survey_api.questionnaires.repository import QuestionnaireRepository
from survey_api.questionnaires.schemas import QuestionnaireStatus
from zdrav_shared.auth import Principal, Role, require_role, require_scope
from zdrav_shared.clients.org_units import OrgUnitClient
from zdrav_shared.etags import check_if_match
from zdrav_shared.logging import get_logger
from zdrav_shared.problems import FieldError, Unprocessable

log = get_logger(__name__)

WRITER_ROLES = (Role.FEDERAL, Role.REGIONAL_ADMIN)
_TRANSITIONS = {
    CampaignStatus.DRAFT: {CampaignStatus.ACTIVE, CampaignStatus.CLOSED},
    CampaignStatus.ACTIVE: {CampaignStatus.CLOSED},
    CampaignStatus.CLOSED: set(),
}


def read_of(campaign: Campaign, unit_codes: list[str]) -> CampaignRead:
    return CampaignRead(
        code=campaign.code,
        questionnaire_code=campaign.questionnaire_code,
        questionnaire_version=campaign.questionnaire_version,
        org_unit_codes=unit_codes,
        starts_on=campaign.starts_on,
        ends_on=campaign.ends_on,
        channels=[Channel(c) for c in campaign.channels],
        life_situation=campaign.life_situation,
        purpose=CampaignPurpose(campaign.purpose),
        minimum_sample=campaign.minimum_sample,
        status=CampaignStatus(campaign.status),
        version=campaign.version,
        created_at=campaign.created_at,
        updated_at=campaign.updated_at,
    )


class CampaignService:
    def __init__(self, session: AsyncSession, cache: CampaignCache, org_units: OrgUnitClient | None = None) -> None:
        self.repo = CampaignRepository(session)
        self.questionnaires = QuestionnaireRepository(session)
        self.cache = cache
        self.org_units = org_units

    async def get(self, code: str) -> tuple[Campaign, list[str]]:
        campaign = await self.repo.get(code)
        if campaign is None:
            raise CampaignNotFound(code)
        return campaign, [u.org_unit_code for u in await self.repo.units(campaign.id)]

    async def get_for(self, caller: Principal, code: str) -> tuple[Campaign, list[str]]:
        """A campaign the caller may see: one with an org unit inside its scope, as the list shows; any
        other is a 404, like an unknown code (an RU-MUR operator learns nothing about RU-KYA's)."""
        campaign = await self.repo.get(code)
        if campaign is None:
            raise CampaignNotFound(code)
        units = await self.repo.units(campaign.id)
        if not any(caller.covers(unit.org_unit_path.strip("/").split("/")) for unit in units):
            raise CampaignNotFound(code)
        return campaign, [unit.org_unit_code for unit in units]

    async def create(self, caller: Principal, data: CampaignCreate) -> tuple[Campaign, list[str]]:
        require_role(caller, *WRITER_ROLES)
        if data.ends_on < data.starts_on:
            raise Unprocessable("ends_on must not be before starts_on", pointer="/ends_on")
        if data.status is CampaignStatus.CLOSED:
            raise Unprocessable("a campaign starts as draft or active", pointer="/status")
        if data.questionnaire_version is not None:
            questionnaire = await self.questionnaires.get(data.questionnaire_code, data.questionnaire_version)
        else:
            questionnaire = await self.questionnaires.latest(data.questionnaire_code, published_only=True)
        if questionnaire is None or questionnaire.status != QuestionnaireStatus.PUBLISHED:
            raise Unprocessable(
                f"questionnaire {data.questionnaire_code} has no such published version: publish it first",
                pointer="/questionnaire_version" if data.questionnaire_version else "/questionnaire_code",
            )
        units = await self._checked_units(caller, data.org_unit_codes)
        if await self.repo.get(data.code) is not None:
            raise CampaignCodeTaken(data.code)
        campaign = Campaign(
            code=data.code,
            questionnaire_id=questionnaire.id,
            questionnaire_code=questionnaire.code,
            questionnaire_version=questionnaire.version,
            starts_on=data.starts_on,
            ends_on=data.ends_on,
            channels=sorted({c.value for c in data.channels}),
            life_situation=data.life_situation,
            purpose=data.purpose.value,
            minimum_sample=data.minimum_sample,
            status=data.status.value,
            created_by=caller.sub,
            version=1,
        )
        self.repo.add(campaign)
        await self.repo.flush()
        for unit in units:
            self.repo.add(CampaignOrgUnit(campaign_id=campaign.id, **unit))
        await self.repo.flush()
        log.info("campaign_created", code=campaign.code, units=len(units), by=caller.sub)
        return campaign, sorted(u["org_unit_code"] for u in units)

    async def _checked_units(self, caller: Principal, codes: list[str]) -> list[dict[str, str]]:
        assert self.org_units is not None, "campaign creation needs the org-unit client"
        units: list[dict[str, str]] = []
        errors: list[FieldError] = []
        seen: set[str] = set()
        for index, code in enumerate(codes):
            if code in seen:
                continue
            seen.add(code)
            ref = await self.org_units.get(code)
            pointer = f"/org_unit_codes/{index}"
            if ref is None or not ref.active:
                errors.append(FieldError(pointer=pointer, message=f"kpi-api knows no active org unit {code}"))
                continue
            lineage = ref.path or [code]
            require_scope(caller, lineage, code)
            units.append(
                {
                    "org_unit_code": code,
                    "org_unit_path": path_string(lineage),
                    "timezone": ref.timezone or self.cache.default_timezone,
                }
            )
        if errors:
            raise Unprocessable("; ".join(e.message for e in errors), errors=errors)
        return units

    async def update(
        self, caller: Principal, code: str, data: CampaignUpdate, if_match: str | None
    ) -> tuple[Campaign, list[str]]:
        require_role(caller, *WRITER_ROLES)
        # A campaign the caller cannot see is a 404, as for GET; one it sees but that also runs in
        # another region is a 403: changing it would change that region's survey too.
        campaign, unit_codes = await self.get_for(caller, code)
        for unit in await self.repo.units(campaign.id):
            require_scope(caller, unit.org_unit_path.strip("/").split("/"), unit.org_unit_code)
        check_if_match(if_match, campaign.version)
        changes = data.model_dump(exclude_unset=True)
        current = CampaignStatus(campaign.status)
        if data.status is not None and data.status is not current:
            if data.status not in _TRANSITIONS[current]:
                raise BadStatusTransition(current.value, data.status.value)
            campaign.status = data.status.value
            if data.status is CampaignStatus.CLOSED:
                campaign.closed_at = utcnow()
        if data.ends_on is not None:
            if data.ends_on < campaign.starts_on:
                raise Unprocessable("ends_on must not be before starts_on", pointer="/ends_on")
            campaign.ends_on = data.ends_on
        if data.minimum_sample is not None:
            campaign.minimum_sample = data.minimum_sample
        if "life_situation" in changes:
            campaign.life_situation = data.life_situation
        if data.purpose is not None:
            campaign.purpose = data.purpose.value
        if changes:
            campaign.version += 1
            await self.repo.flush()
            self.cache.invalidate(code)
            log.info("campaign_updated", code=code, fields=sorted(changes), by=caller.sub)
        return campaign, unit_codes
