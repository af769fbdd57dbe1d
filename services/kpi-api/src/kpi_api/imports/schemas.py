from __future__ import annotations

from pydantic import BaseModel, Field


class RowError(BaseModel):
    row: int = Field(description="1-based data row number (the header is row 0)")
    pointer: str = Field(examples=["/period"])
    message: str
    status: int = Field(default=422, description="403 for a row outside the caller's scope, 409 for a locked value")


class RowWarning(BaseModel):
    row: int = Field(description="1-based data row number (the header is row 0)")
    pointer: str = Field(examples=["/value"])
    message: str


class ValuesImportReport(BaseModel):
    """Applied only when no row has an error and it is not a dry run. A printed total that differs from
    the computed one is a warning on its row: the file is still applied."""

    dry_run: bool
    applied: bool
    rows: int
    created: int
    updated: int
    errors: list[RowError]
    warnings: list[RowWarning] = Field(default_factory=list)


class IndicatorsImportReport(BaseModel):
    dry_run: bool
    applied: bool
    rows: int
    indicators_created: int
    targets_created: int
    targets_updated: int
    errors: list[RowError]
