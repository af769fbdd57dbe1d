"""kpi-api's ORM: its own ``Base`` and metadata; no other service reads these tables."""

from kpi_api.models.aggregate_cache import CachedAggregate, ValueGeneration
from kpi_api.models.base import Base
from kpi_api.models.indicators import Indicator, IndicatorFormulaVersion
from kpi_api.models.lean import LeanReport, LeanReportCell
from kpi_api.models.org_units import OrgUnit
from kpi_api.models.population import OrgUnitPopulation
from kpi_api.models.reporting import ReportSubmission, ReportType
from kpi_api.models.sources import SourceValue
from kpi_api.models.targets import CauseNote, Target
from kpi_api.models.values import AuditEvent, DeadlineRuleSetting, IndicatorValue
from kpi_api.models.webhooks import WEBHOOKS

__all__ = [
    "WEBHOOKS",
    "AuditEvent",
    "Base",
    "CachedAggregate",
    "CauseNote",
    "DeadlineRuleSetting",
    "Indicator",
    "IndicatorFormulaVersion",
    "IndicatorValue",
    "LeanReport",
    "LeanReportCell",
    "OrgUnit",
    "OrgUnitPopulation",
    "ReportSubmission",
    "ReportType",
    "SourceValue",
    "Target",
    "ValueGeneration",
]
