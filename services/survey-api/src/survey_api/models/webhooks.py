"""survey-api's outbox tables (zdrav_shared.webhooks) on its own metadata."""

from survey_api.models.base import Base
from zdrav_shared.webhooks.tables import webhook_tables

WEBHOOKS = webhook_tables(Base.metadata)
