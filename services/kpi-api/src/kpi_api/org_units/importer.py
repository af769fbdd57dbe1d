"""Bulk import of org units from CSV: every row is checked first; all rows apply, or none."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from kpi_api.models import OrgUnit
from kpi_api.org_units.repository import OrgUnitRepository
from kpi_api.org_units.rules import child_path, code_problem, parent_problem, timezone_problem
from kpi_api.org_units.schemas import ImportReport, ImportRowError, OrgUnitCreate
from kpi_api.org_units.service import inherited_subordination
from zdrav_shared.auth import Principal, Role
from zdrav_shared.contracts.org_units import OrgUnitLevel
from zdrav_shared.problems import Unprocessable, pointer_from_loc

REQUIRED_COLUMNS = ("code", "name_ru", "level")
KNOWN_COLUMNS = (
    "code",
    "name_ru",
    "name_en",
    "parent_code",
    "level",
    "kind",
    "timezone",
    "rural",
    "subordination",
    "settlement_type",
)
MAX_ROWS = 20_000
TRUE_WORDS = {"1", "true", "yes", "да", "y"}
FALSE_WORDS = {"", "0", "false", "no", "нет", "n"}


def decode_csv(content: bytes) -> list[dict[str, str]]:
    """Decode UTF-8 (with or without BOM), sniff ';' or ',' and return the rows as dicts."""
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise Unprocessable(f"the file is not UTF-8 (byte {exc.start} is invalid)", pointer="/file") from exc
    if "\x00" in text:
        raise Unprocessable("the file is not a text CSV", pointer="/file")
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.DictReader(io.StringIO(text), delimiter=delimiter)
    try:
        # Reading the header parses the first row: a malformed one (a bare CR inside a field) raises here.
        header = [h.strip() for h in (reader.fieldnames or [])]
    except csv.Error as exc:
        raise Unprocessable(f"the CSV cannot be read: {exc}", pointer="/file") from exc
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        raise Unprocessable(f"the header lacks the column(s): {', '.join(missing)}", pointer="/file")
    rows: list[dict[str, str]] = []
    try:
        for raw in reader:
            if len(rows) >= MAX_ROWS:
                raise Unprocessable(f"the file has more than {MAX_ROWS} rows; split it", pointer="/file")
            rows.append({(k or "").strip(): (v or "").strip() for k, v in raw.items() if isinstance(v, str)})
    except csv.Error as exc:
        raise Unprocessable(f"the CSV cannot be read: {exc}", pointer="/file") from exc
    return rows


@dataclass
class _Planned:
    unit: OrgUnit
    lineage_codes: list[str] = field(default_factory=list)


async def import_org_units(session: AsyncSession, principal: Principal, content: bytes, dry_run: bool) -> ImportReport:
    """Check every row against the registry and the rows above it; apply only when all pass."""
    rows = decode_csv(content)
    repo = OrgUnitRepository(session)
    codes = [r.get("code", "") for r in rows]
    parent_codes = [r.get("parent_code", "") for r in rows if r.get("parent_code")]
    existing = await repo.get_many(sorted(set(codes) | set(parent_codes)))
    existing_lineage: dict[str, list[str]] = {}
    for unit in existing.values():
        existing_lineage[unit.code] = [c for c in unit.path.split("/") if c]
    planned: dict[str, _Planned] = {}
    errors: list[ImportRowError] = []

    for number, row in enumerate(rows, start=1):
        code = row.get("code") or None
        payload: dict[str, object] = {k: (v or None) for k, v in row.items() if k in KNOWN_COLUMNS}
        rural = (row.get("rural") or "").lower()
        if rural not in TRUE_WORDS | FALSE_WORDS:
            errors.append(ImportRowError(row=number, code=code, pointer="/rural", message="rural must be yes or no"))
            continue
        payload["rural"] = rural in TRUE_WORDS
        try:
            data = OrgUnitCreate.model_validate(payload)
        except ValidationError as exc:
            for err in exc.errors():
                pointer = pointer_from_loc(err["loc"])
                errors.append(ImportRowError(row=number, code=code, pointer=pointer, message=err["msg"]))
            continue
        problem = code_problem(data.code, data.level)
        pointer = "/code"
        if problem is None and (data.code in existing or data.code in planned):
            problem = f"an org unit with code {data.code} already exists"
        parent_level: OrgUnitLevel | None = None
        parent_path: str | None = None
        lineage: list[str] = []
        if problem is None and data.parent_code:
            pointer = "/parent_code"
            if data.parent_code in planned:
                parent = planned[data.parent_code]
                parent_level, parent_path = OrgUnitLevel(parent.unit.level), parent.unit.path
                lineage = parent.lineage_codes
            elif data.parent_code in existing:
                found = existing[data.parent_code]
                parent_level, parent_path = OrgUnitLevel(found.level), found.path
                lineage = existing_lineage[found.code]
            else:
                problem = f"parent {data.parent_code} is neither in the registry nor in an earlier row"
        if problem is None:
            pointer = "/parent_code"
            problem = parent_problem(data.level, parent_level)
        if problem is None:
            pointer = "/timezone"
            problem = timezone_problem(data.timezone, data.level)
        if problem is None and Role.FEDERAL not in principal.roles:
            pointer = "/parent_code"
            if Role.REGIONAL_ADMIN not in principal.roles:
                problem = "importing org units needs the federal or regional_admin role"
            elif not principal.covers(lineage or [data.code]):
                problem = f"{data.parent_code or data.code} is outside your scope"
        if problem is not None:
            errors.append(ImportRowError(row=number, code=code, pointer=pointer, message=problem))
            continue
        parent_unit: OrgUnit | None = None
        if data.parent_code in planned:
            parent_unit = planned[data.parent_code].unit
        elif data.parent_code in existing:
            parent_unit = existing[data.parent_code]
        unit = OrgUnit(
            code=data.code,
            name_ru=data.name_ru,
            name_en=data.name_en,
            level=data.level.value,
            kind=data.kind,
            rural=data.rural,
            subordination=inherited_subordination(data, parent_unit),
            settlement_type=data.settlement_type.value if data.settlement_type else None,
            timezone=data.timezone,
            path=child_path(parent_path, data.code),
            active=True,
            version=1,
        )
        planned[data.code] = _Planned(unit, [*lineage, data.code])

    apply = not errors and not dry_run
    if apply:
        # Insert parents before children so each child's parent id is known.
        for item in sorted(planned.values(), key=lambda p: len(p.lineage_codes)):
            parent_code = item.lineage_codes[-2] if len(item.lineage_codes) > 1 else None
            if parent_code is not None:
                parent_unit = planned[parent_code].unit if parent_code in planned else existing[parent_code]
                item.unit.parent_id = parent_unit.id
            repo.add(item.unit)
            await repo.flush()
    return ImportReport(
        dry_run=dry_run, applied=apply, rows=len(rows), created=len(planned) if apply else 0, errors=errors
    )
