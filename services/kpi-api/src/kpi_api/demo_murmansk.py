"""The Murmansk programme for primary care 2021–2025 as demo content (``data/reference/murmansk_indicators.csv``).

The 25 target indicators belong to RU-MUR (created by the region's admin: only the region changes
them) and are entered the way their footnotes (``formula_note_ru``) compute them, so that every share
and rate of the region is a ratio of sums, never an average or a sum of the organisations' shares:

* shares printed as ``A = B × 100 / C`` (1 inefficient areas, 2 primary-care coverage, 17–19 employed
  graduates, 20 housing, 21 expensive diagnostics, 24 subdivisions in the new model, 25 financing
  deficit) are ``ratio`` inputs: each org unit enters B and C, the region is ΣB ÷ ΣC × 100;
* 5, the mean comfort score ``A = B / C`` (points over all organisations ÷ organisations), is a ratio
  with scale 1: each organisation enters its points over 1;
* 3, visits per rural resident ``A = B / C``, and 7–8, staffing ``(Cflv / Cshtd) × 100 × 1,2``, are
  formulas over entered components (rural visits and rural attached population; persons 11–12 over
  the staff positions, which the programme names but does not list);
* head counts and other counts (4, 6, 9–16) are summed over organisations; 22 (days of waiting above
  the norm) and 23 (the range "4-14", no numeric target) are the region's own figures.

The source has plan values only: every actual value is generated around the plan (deterministic).
2024 is approved (what the federal report shows), 2025 submitted (what analytics shows by default).
"""

from __future__ import annotations

import csv
import random
import re
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

from zdrav_shared.auth import Principal, Role

MUR_ADMIN = Principal(
    sub="demo-mur-ministry", roles=frozenset({Role.REGIONAL_ADMIN}), scope_org_units=frozenset({"RU-MUR"})
)
REGION = "RU-MUR"
RANGE = re.compile(r"(\d+(?:[.,]\d+)?)\s*[-–]\s*(\d+(?:[.,]\d+)?)")
YEARS = (2024, 2025)
APPROVED_YEARS = (2024,)
LOWER_IS_BETTER_IDS = {"22", "25"}
# The programme names no control indicators; the demo marks indicator 2 as one, so that its 2025 miss
# shows an alert at GET /v1/alerts?region=RU-MUR&year=2025.
CONTROL_IDS = {"2"}
# Murmansk's organisations and their share of the region's staff, visits and floor space.
ORGANISATIONS = {
    "MUR-GP1": Decimal("0.22"),
    "MUR-DGP1": Decimal("0.12"),
    "MUR-MON-CGB": Decimal("0.16"),
    "MUR-APA-CGB": Decimal("0.18"),
    "MUR-KOL-CRB": Decimal("0.12"),
    "MUR-KOL-FAP1": Decimal("0.01"),
    "MUR-ROKB": Decimal("0.19"),
}
RURAL = {"MUR-KOL-CRB": Decimal("0.85"), "MUR-KOL-FAP1": Decimal("0.15")}

# id → how it is entered: ("ratio", level, scale, base of the denominator for the region),
# ("count", level, time aggregation), ("formula", text), ("region", time aggregation).
SHAPES: dict[str, tuple[Any, ...]] = {
    "1": ("ratio", "organisation", 100, 412_000),  # m² of primary-care buildings
    "2": ("ratio", "region", 100, 667_744),  # residents of the region
    "3": ("formula", "MUR_RURAL_VISITS / MUR_RURAL_ATTACHED"),
    "4": ("count", "organisation", "sum"),
    "5": ("ratio", "organisation", 1, None),  # points over one organisation each
    "6": ("count", "organisation", "last"),
    "7": ("formula", "MUR_T11 / MUR_DOCTOR_POSTS * 100 * 1.2"),
    "8": ("formula", "MUR_T12 / MUR_NURSE_POSTS * 100 * 1.2"),
    "9": ("count", "organisation", "last"),
    "10": ("count", "organisation", "last"),
    "11": ("count", "organisation", "last"),
    "12": ("count", "organisation", "last"),
    "13": ("count", "organisation", "last"),
    "14": ("count", "organisation", "last"),
    "15": ("count", "organisation", "last"),  # rural organisations only (0 elsewhere)
    "16": ("count", "organisation", "last"),
    "17": ("ratio", "region", 100, 60),  # graduates of target training
    "18": ("ratio", "region", 100, 45),
    "19": ("ratio", "region", 100, 210),
    "20": ("ratio", "organisation", 100, 380),  # medical workers in need of housing
    "21": ("ratio", "organisation", 100, 26_000),  # expensive examinations planned
    "22": ("region", "last"),
    "23": ("region", "last"),
    "24": ("ratio", "organisation", 100, None),  # subdivisions of each organisation
    "25": ("ratio", "region", 100, 9_800_000),  # required spending, thousand roubles
}
COMPONENTS: list[dict[str, Any]] = [
    {
        "code": "MUR_RURAL_VISITS",
        "name_ru": "Общее число посещений к врачам сельскими жителями (ФФСН № 30, т. 2100 гр. 4 + гр. 10 стр. 1 "
        "+ т. 2700 ч. 1 гр. 3 стр. 6)",
        "unit": "посещений",
        "time_aggregation": "sum",
    },
    {
        "code": "MUR_RURAL_ATTACHED",
        "name_ru": "Численность прикреплённого сельского населения (ФФСН № 30, т. 1050 гр. 3 стр. 9)",
        "unit": "человек",
        "time_aggregation": "last",
    },
    {
        "code": "MUR_DOCTOR_POSTS",
        "name_ru": "Cshtd — число штатных должностей врачей в медицинских организациях, оказывающих медицинскую "
        "помощь в амбулаторных условиях (ФФСН № 30)",
        "unit": "должностей",
        "time_aggregation": "last",
    },
    {
        "code": "MUR_NURSE_POSTS",
        "name_ru": "Cshtd — число штатных должностей среднего медицинского персонала в медицинских организациях, "
        "оказывающих медицинскую помощь в амбулаторных условиях (ФФСН № 30)",
        "unit": "должностей",
        "time_aggregation": "last",
    },
]
SUBDIVISIONS = {"MUR-GP1": 6, "MUR-DGP1": 4, "MUR-MON-CGB": 5, "MUR-APA-CGB": 5, "MUR-KOL-CRB": 4, "MUR-KOL-FAP1": 1,
                "MUR-ROKB": 3}  # fmt: skip


def number(text: str) -> Decimal | None:
    text = text.strip().replace("%", "").replace(",", ".").replace(" ", "")
    try:
        return Decimal(text) if text else None
    except ArithmeticError:
        return None


def rows(reference: Path) -> list[dict[str, Any]]:
    with (reference / "murmansk_indicators.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def code_of(row: dict[str, Any]) -> str:
    return f"MUR_T{int(row['id']):02d}"


def lower_is_better(row: dict[str, Any]) -> bool:
    baseline, final = number(row["baseline_2020"]), number(row["v2025"])
    return row["id"] in LOWER_IS_BETTER_IDS or (baseline is not None and final is not None and final < baseline)


def indicator_body(row: dict[str, Any]) -> dict[str, Any]:
    """The catalogue entry of one programme indicator, entered the way its footnote computes it."""
    unit = row["unit_ru"] or row["unit_en"].removeprefix("inferred:").strip() or "—"
    counted = unit in ("человек", "persons") or "count" in row["unit_en"] or "units" in row["unit_en"]
    shape = SHAPES[row["id"]]
    body: dict[str, Any] = {
        "code": code_of(row),
        "owner": REGION,
        "name_ru": row["name_ru"][:1000],
        "description": (row["formula_note_ru"] or None) and row["formula_note_ru"][:10_000],
        "unit": unit[:100],
        "direction": "lower_is_better" if lower_is_better(row) else "higher_is_better",
        "periodicity": "year",
        "precision": 0 if counted else (2 if shape[0] == "formula" and "VISITS" in shape[1] else 1),
        "control": row["id"] in CONTROL_IDS,
    }
    if shape[0] == "formula":
        return {**body, "kind": "formula", "formula": shape[1]}
    if shape[0] == "ratio":
        return {**body, "kind": "input", "aggregation": "ratio", "scale": shape[2], "reporting_level": shape[1]}
    if shape[0] == "count":
        return {**body, "kind": "input", "time_aggregation": shape[2], "reporting_level": shape[1]}
    return {**body, "kind": "input", "time_aggregation": shape[1], "reporting_level": "region"}


def component_bodies() -> list[dict[str, Any]]:
    return [
        {
            "owner": REGION,
            "kind": "input",
            "direction": "higher_is_better",
            "periodicity": "year",
            "precision": 0,
            "reporting_level": "organisation",
            **spec,
        }
        for spec in COMPONENTS
    ]


def targets(row: dict[str, Any]) -> dict[str, Any]:
    """Baseline 2020 and plan 2021–2025 for the region, as printed: the range "4-14" as a range, the
    footnote's calculation beside the baseline."""
    baseline = number(row["baseline_2020"])
    calc = (row["formula_note_ru"] or None) and row["formula_note_ru"][:4000]
    items = []
    for year in range(2021, 2026):
        raw = row[f"v{year}"]
        item: dict[str, Any] = {
            "org_unit_code": REGION,
            "period": str(year),
            "baseline": baseline,
            "baseline_year": 2020,
            "baseline_calc": calc,
            "kind": "plan",
        }
        bounds = RANGE.fullmatch(raw.strip()) if raw else None
        if bounds is not None:
            item |= {"target_low": bounds[1].replace(",", "."), "target_high": bounds[2].replace(",", ".")}
        else:
            target = number(raw)
            item |= {"target": target, "note": None if target is not None or not raw else f"printed as {raw}"}
        items.append(item)
    return {"items": items, "reason": "программа 2021–2025"}


def _whole(value: Decimal) -> Decimal:
    return value.quantize(Decimal(1), rounding=ROUND_HALF_UP)


class ValueMaker:
    """Generated values of one year around the plan: counts split over the organisations by weight,
    ratios as counts whose region-wide quotient lands near the plan, formula components such that the
    formula lands near it."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def factor(self, lower: bool = False) -> Decimal:
        low, high = (0.97, 1.12) if lower else (0.9, 1.04)
        return Decimal(str(round(self.rng.uniform(low, high), 3)))

    def year(self, programme: list[dict[str, Any]], year: int) -> list[dict[str, Any]]:
        """Every value of the programme's indicators and components for ``year`` (without the period)."""
        by_id = {row["id"]: row for row in programme}
        generated: dict[str, list[dict[str, Any]]] = {}
        for row in programme:
            if SHAPES[row["id"]][0] != "formula":
                generated[row["id"]] = self.entered(row, year)
        items = [item for found in generated.values() for item in found]
        items += self.rural(number(by_id["3"][f"v{year}"]) or Decimal(0))
        for formula_id, persons_id, posts in (("7", "11", "MUR_DOCTOR_POSTS"), ("8", "12", "MUR_NURSE_POSTS")):
            plan = number(by_id[formula_id][f"v{year}"])
            if plan:
                items += self.posts(generated[persons_id], posts, plan)
        return items

    def entered(self, row: dict[str, Any], year: int) -> list[dict[str, Any]]:
        target = number(row[f"v{year}"])
        shape = SHAPES[row["id"]]
        code, lower = code_of(row), lower_is_better(row)
        if target is None:
            return []
        if shape[0] == "region":
            value = (target * self.factor(lower)).quantize(Decimal("0.1"))
            return [{"indicator_code": code, "org_unit_code": REGION, "value": str(value)}]
        if shape[0] == "count":
            weights = RURAL if row["id"] in ("15", "16") else ORGANISATIONS
            return [
                {
                    "indicator_code": code,
                    "org_unit_code": unit,
                    "value": str(_whole(target * weights.get(unit, Decimal(0)) * self.factor(lower))),
                }
                for unit in ORGANISATIONS
            ]
        _, level, scale, base = shape
        rate = (target if target > 0 else Decimal("0.4")) / Decimal(scale)
        units = {REGION: Decimal(1)} if level == "region" else ORGANISATIONS
        found = []
        for unit, weight in units.items():
            if base is None:  # the score of one organisation, or the subdivisions of each
                denominator = Decimal(1) if row["id"] == "5" else Decimal(SUBDIVISIONS[unit])
            else:
                spread = Decimal(str(round(self.rng.uniform(0.9, 1.1), 3)))
                denominator = _whole(Decimal(base) * weight * spread)
            numerator = denominator * rate * self.factor(lower)
            numerator = min(_whole(numerator), denominator) if scale == 100 else numerator.quantize(Decimal("0.1"))
            found.append(
                {
                    "indicator_code": code,
                    "org_unit_code": unit,
                    "numerator": str(numerator),
                    "denominator": str(denominator),
                }
            )
        return found

    def rural(self, plan: Decimal) -> list[dict[str, Any]]:
        """Visits by rural residents and the rural attached population: rural organisations, 0 elsewhere."""
        found = []
        for unit in ORGANISATIONS:
            attached = _whole(Decimal(16_300) * RURAL.get(unit, Decimal(0)))
            visits = _whole(attached * plan * self.factor())
            found += [
                {"indicator_code": "MUR_RURAL_ATTACHED", "org_unit_code": unit, "value": str(attached)},
                {"indicator_code": "MUR_RURAL_VISITS", "org_unit_code": unit, "value": str(visits)},
            ]
        return found

    def posts(self, persons: list[dict[str, Any]], code: str, plan: Decimal) -> list[dict[str, Any]]:
        """Staff positions such that persons ÷ positions × 100 × 1.2 lands near the staffing plan."""
        return [
            {
                "indicator_code": code,
                "org_unit_code": item["org_unit_code"],
                "value": str(max(Decimal(1), _whole(Decimal(item["value"]) * 120 / (plan * self.factor())))),
            }
            for item in persons
        ]
