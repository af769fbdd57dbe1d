"""HTTP layer of bulk imports (CSV or XLSX; dry run; all rows or none)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, File, Query, Request, UploadFile

from kpi_api.deps import Clock, Session
from kpi_api.imports.indicators import import_indicators
from kpi_api.imports.schemas import IndicatorsImportReport, RowError, ValuesImportReport
from kpi_api.imports.values import import_values
from kpi_api.indicators.service import CATALOGUE_WRITERS
from kpi_api.values.service import VALUE_WRITERS
from zdrav_shared.auth import Principal, role_required
from zdrav_shared.db import CommittingRoute
from zdrav_shared.problems import FieldError, PayloadTooLarge, Unprocessable, problem_responses

router = APIRouter(prefix="/v1", tags=["imports"], route_class=CommittingRoute)

CatalogueWriter = Annotated[Principal, Depends(role_required(*CATALOGUE_WRITERS))]

ValueWriterCaller = Annotated[Principal, Depends(role_required(*VALUE_WRITERS))]

DryRun = Annotated[bool, Query(description="Check only; apply nothing")]


async def _read(request: Request, file: UploadFile) -> bytes:
    limit: int = request.app.state.settings.max_import_bytes
    content = await file.read(limit + 1)
    if len(content) > limit:
        raise PayloadTooLarge(f"the file exceeds {limit} bytes")
    return content


def _refuse(errors: list[RowError], report: dict[str, object]) -> Unprocessable:
    return Unprocessable(
        f"{len({e.row for e in errors})} row(s) have errors; nothing was applied",
        errors=[
            FieldError(pointer=f"/rows/{e.row}{e.pointer if e.pointer != '/' else ''}", message=e.message)
            for e in errors
        ],
        report=report,
    )


@router.post(
    "/values/import",
    response_model=ValuesImportReport,
    operation_id="import_values",
    summary="Import values from CSV or XLSX (all rows or none)",
    responses=problem_responses(400, 401, 403, 413, 422),
)
async def import_values_file(
    request: Request,
    session: Session,
    caller: ValueWriterCaller,
    clock: Clock,
    file: Annotated[UploadFile, File(description="indicator_code, org_unit_code, period, value[, comment]")],
    dry_run: DryRun = False,
    submit: Annotated[bool, Query(description="Submit the imported values at once")] = False,
) -> ValuesImportReport:
    """Columns `indicator_code, org_unit_code, period, value` (or, for ratio indicators, `numerator` and
    `denominator` with `value` empty), optional `comment` and `state`. CSV in UTF-8 with or
    without BOM, `;` or `,`, decimal comma or point; or the first sheet of an XLSX workbook. Cells are
    read as printed: `85,5%`, `1 234,5` (a space or no-break space between thousands), and the three
    kinds of no number — `x`/`х` (not_applicable), `нет должности` (no_post), `-` (not_reported) — stored
    as states with no value. A printed total — a row whose `org_unit_code` is `Итого`/`Всего`, or a unit's
    row over its descendants' rows in the file — is kept and compared with the computed total: a
    difference is a warning on its row (`warnings`), not a refusal. Rows follow the rules of
    `POST /v1/values`; any bad row (a row outside the caller's scope included) → 422 listing every bad
    row, and nothing is applied."""
    report = await import_values(session, caller, clock, await _read(request, file), dry_run=dry_run, submit=submit)
    if report.errors:
        raise _refuse(report.errors, report.model_dump())
    return report


@router.post(
    "/indicators/import",
    response_model=IndicatorsImportReport,
    operation_id="import_indicators",
    summary="Import indicators with targets from CSV or XLSX (all rows or none)",
    responses=problem_responses(400, 401, 403, 413, 422),
)
async def import_indicators_file(
    request: Request,
    session: Session,
    caller: CatalogueWriter,
    file: Annotated[
        UploadFile, File(description="code, name_ru, unit, kind, …, org_unit_code, period, baseline, target")
    ],
    dry_run: DryRun = False,
) -> IndicatorsImportReport:
    """Columns of `POST /v1/indicators` (`code, owner, name_ru, unit, kind, formula, aggregation,
    time_aggregation, scale, reporting_level, direction, periodicity, precision, source, …`; an `owner`
    the caller is not makes its row a 403; `monitoring_level, control` (да/нет), `share_form`,
    `cause_note_pct`) and of a target (`org_unit_code, period, baseline, baseline_year, baseline_calc,
    target` — a printed range such as `4-14` becomes `target_low`/`target_high` — `target_kind, note`).
    The first row of a new code creates the indicator; rows with an org unit and period
    add targets. Any bad row → 422 listing every bad row, and nothing is applied."""
    report = await import_indicators(session, caller, await _read(request, file), dry_run=dry_run)
    if report.errors:
        raise _refuse(report.errors, report.model_dump())
    return report
