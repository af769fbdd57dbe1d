"""kpi-api's ORM: its own ``Base`` and metadata; no other service reads these tables."""

from kpi_api.models.base import Base
from kpi_api.models.org_units import OrgUnit

__all__ = ["Base", "OrgUnit"]
