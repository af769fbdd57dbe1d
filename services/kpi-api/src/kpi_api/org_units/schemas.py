from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from kpi_api.population.rules import SettlementType, Subordination
from zdrav_shared.contracts.org_units import OrgUnitLevel, OrgUnitRef
from zdrav_shared.validation import RequestModel


class OrgUnitCreate(RequestModel):
    """A new org unit; ``timezone`` is required for regions (IANA), optional elsewhere."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "code": "RU-MUR-MON",
                    "name_ru": "г. Мончегорск",
                    "parent_code": "RU-MUR",
                    "level": "municipality",
                    "rural": False,
                }
            ]
        },
    )

    # The pattern is documented, not enforced by pydantic: org_units.rules.code_problem checks it (and the
    # level-specific forms) with messages that say what to fix.
    code: str = Field(
        min_length=1,
        max_length=64,
        description=(
            "`RU` for the federation; a region's ISO 3166-2:RU code (`RU-MUR`, `RU-KYA`); otherwise 1–64 capital "
            "Latin letters, digits, `-` and `.`, starting with a letter or digit (`RU-MUR-MON`, `MUR-GP1`)"
        ),
        json_schema_extra={"pattern": r"^[A-Z0-9][A-Z0-9.\-]{0,63}$"},
    )
    name_ru: str = Field(min_length=1, max_length=500)
    name_en: str | None = Field(default=None, max_length=500)
    parent_code: str | None = Field(default=None, max_length=64, description="The parent org unit's code")
    level: OrgUnitLevel
    kind: str | None = Field(default=None, max_length=64, description="adult / children's / mixed polyclinic, FAP…")
    timezone: str | None = Field(default=None, max_length=64, examples=["Europe/Moscow"])
    rural: bool = False
    subordination: Subordination | None = Field(
        default=None, description="Who runs it: federal, regional, municipal, private (a subdivision inherits it)"
    )
    settlement_type: SettlementType | None = Field(
        default=None, description="urban, small_town, urban_type_settlement, workers_settlement or rural"
    )


class OrgUnitUpdate(RequestModel):
    """Fields to change; absent fields stay as they are."""

    model_config = ConfigDict(extra="forbid")

    name_ru: str | None = Field(default=None, min_length=1, max_length=500)
    name_en: str | None = Field(default=None, max_length=500)
    kind: str | None = Field(default=None, max_length=64)
    timezone: str | None = Field(default=None, max_length=64)
    rural: bool | None = None
    active: bool | None = None
    subordination: Subordination | None = None
    settlement_type: SettlementType | None = None


class OrgUnitRead(OrgUnitRef):
    """An org unit with its place in the hierarchy; ``timezone`` is the effective (inherited) one."""

    name_en: str | None = None
    kind: str | None = None
    rural: bool = False
    subordination: Subordination | None = None
    settlement_type: SettlementType | None = None
    own_timezone: str | None = Field(default=None, description="The zone set on this unit itself, if any")
    version: int
    created_at: datetime
    updated_at: datetime


class ImportRowError(BaseModel):
    row: int = Field(description="1-based data row number (the header is row 0)")
    code: str | None = None
    pointer: str
    message: str


class ImportReport(BaseModel):
    """The outcome of a CSV import: applied only when there is no error and it is not a dry run."""

    dry_run: bool
    applied: bool
    rows: int
    created: int
    errors: list[ImportRowError]
