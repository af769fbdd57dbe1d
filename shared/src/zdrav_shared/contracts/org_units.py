"""The org-unit reference that kpi-api serves and the other services check codes against."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, Field


class OrgUnitLevel(StrEnum):
    FEDERATION = "federation"
    REGION = "region"
    MUNICIPALITY = "municipality"
    ORGANISATION = "organisation"
    SUBDIVISION = "subdivision"


class OrgUnitRef(BaseModel):
    """What another service needs to know about an org unit."""

    code: str
    name_ru: str
    level: OrgUnitLevel
    parent_code: str | None = None
    path: list[str] = Field(default_factory=list, description="Codes from the federation down to this unit, inclusive")
    region_code: str | None = Field(default=None, description="The region this unit belongs to")
    timezone: str | None = Field(default=None, description="The region's IANA time zone")
    active: bool = True
    kind: str | None = Field(default=None, description="adult / children's / mixed polyclinic, hospital, FAP…")
    rural: bool | None = Field(default=None, description="In the countryside (None when kpi-api does not say)")
