"""survey-api's ORM: its own ``Base`` and metadata; no other service reads these tables."""

from survey_api.models.base import Base, utcnow
from survey_api.models.campaigns import Campaign, CampaignOrgUnit
from survey_api.models.kiosks import Kiosk
from survey_api.models.questionnaires import Questionnaire, QuestionnaireChange
from survey_api.models.responses import COUNT_COLUMNS, ResponseCount, ResponseId, SurveyResponse
from survey_api.models.webhooks import WEBHOOKS

__all__ = [
    "COUNT_COLUMNS",
    "WEBHOOKS",
    "Base",
    "Campaign",
    "CampaignOrgUnit",
    "Kiosk",
    "Questionnaire",
    "QuestionnaireChange",
    "ResponseCount",
    "ResponseId",
    "SurveyResponse",
    "utcnow",
]
