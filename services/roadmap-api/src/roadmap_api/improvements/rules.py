"""Lean improvement projects (бережливая поликлиника): before / after / target and the effect.

The effect is direction-aware. Its *factor* is the larger value over the smaller one, so it reads
like the source's "Уменьшение в 3 раза" (19 → 6 min: reduced 3.2×); the *movement* says which way
the value went and ``improved`` whether that way is good for the metric's direction. Percent change
is signed, ``(after − before) ÷ before × 100``. Values stay exact Decimals; ``label`` rounds half-up
for display only.

The source prints factors rounded inconsistently — 45/13 = 3.46 is printed 3,5 (rounded) but
30/8 = 3.75 is printed 3,7 (truncated) — so :func:`agrees_with_printed` accepts a computed factor
within one unit of the printed last digit rather than insisting on one rounding mode.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from pathlib import Path


class Direction(StrEnum):
    """Which way a metric improves (same values as the indicator ``direction`` in the contract)."""

    HIGHER_IS_BETTER = "higher_is_better"
    LOWER_IS_BETTER = "lower_is_better"


class Movement(StrEnum):
    """Which way the value moved from before to after."""

    REDUCED = "reduced"
    INCREASED = "increased"
    UNCHANGED = "unchanged"


@dataclass(frozen=True, slots=True)
class Effect:
    """The effect of an improvement project on one metric.

    ``factor`` is ``None`` when the smaller value is 0 (a queue reduced to nothing has no finite
    factor); ``change_pct`` is ``None`` when ``before`` is 0. ``target_achieved`` is ``None``
    without a target.
    """

    movement: Movement
    factor: Decimal | None
    change_pct: Decimal | None
    improved: bool
    target_achieved: bool | None

    def label(self, places: int = 1) -> str:
        """Short English text such as ``reduced 3.2×`` (factor rounded half-up to ``places``)."""
        if self.movement is Movement.UNCHANGED:
            return "unchanged"
        if self.factor is None:
            return "increased from zero" if self.movement is Movement.INCREASED else "reduced to zero"
        shown = self.factor.quantize(Decimal(1).scaleb(-places), ROUND_HALF_UP).normalize()
        return f"{self.movement.value} {shown:f}×"


def target_achieved(after: Decimal, target: Decimal, direction: Direction) -> bool:
    """True when ``after`` reaches ``target`` in the metric's good direction (equal counts)."""
    return after <= target if direction is Direction.LOWER_IS_BETTER else after >= target


def compute_effect(before: Decimal, after: Decimal, direction: Direction, target: Decimal | None = None) -> Effect:
    """Direction-aware effect of moving a metric from ``before`` to ``after``.

    Values are measured quantities (minutes, visits, …) and must not be negative.
    """
    if before < 0 or after < 0:
        raise ValueError("before and after must not be negative")
    if after < before:
        movement = Movement.REDUCED
    elif after > before:
        movement = Movement.INCREASED
    else:
        movement = Movement.UNCHANGED
    low, high = min(before, after), max(before, after)
    factor = None if low == 0 else high / low
    change_pct = None if before == 0 else (after - before) * 100 / before
    improved = movement is (Movement.REDUCED if direction is Direction.LOWER_IS_BETTER else Movement.INCREASED)
    achieved = None if target is None else target_achieved(after, target, direction)
    return Effect(movement, factor, change_pct, improved, achieved)


def agrees_with_printed(computed: Decimal, printed: Decimal) -> bool:
    """True when ``computed`` is within one unit of the last digit printed in ``printed``.

    ``Decimal("3")`` tolerates ±1 (3.17 agrees), ``Decimal("3.7")`` ±0.1 (3.75 agrees).
    """
    exponent = printed.as_tuple().exponent
    if not isinstance(exponent, int):
        raise ValueError(f"printed factor must be finite, got {printed}")
    unit = Decimal(1).scaleb(exponent)
    return abs(computed - printed) < unit


# -- passport and stages ----------------------------------------------------------------------


class Category(StrEnum):
    """What a lean project improves (registry, preventive check-ups, doctor's appointment, …)."""

    REGISTRY = "registry"
    PREVENTIVE_CHECKUPS = "preventive_checkups"
    DOCTOR_APPOINTMENT = "doctor_appointment"
    DIAGNOSTICS = "diagnostics"
    DISPENSARY_OBSERVATION = "dispensary_observation"
    OTHER = "other"


class Stage(StrEnum):
    """Stages of a lean project, in their order."""

    PREPARATION = "preparation"
    DIAGNOSIS = "diagnosis"
    TARGET_STATE = "target_state"
    IMPLEMENTATION = "implementation"
    SUSTAINING_AND_CLOSURE = "sustaining_and_closure"


STAGE_ORDER = list(Stage)


def stage_problems(stages: Sequence[tuple[Stage, date, date]]) -> list[tuple[int, str]]:
    """``(index, message)`` for each stage that is repeated, ends before it starts, or starts
    before an earlier stage (in :data:`STAGE_ORDER`) starts. Stages may overlap: sustaining the
    results of one change often runs beside the implementation of the next."""
    problems: list[tuple[int, str]] = []
    seen: dict[Stage, int] = {}
    for index, (stage, start, end) in enumerate(stages):
        if stage in seen:
            problems.append((index, f"stage {stage} is given twice"))
            continue
        seen[stage] = index
        if end < start:
            problems.append((index, f"stage {stage} ends {end} before it starts {start}"))
    for index, (stage, start, _) in enumerate(stages):
        for earlier in STAGE_ORDER[: STAGE_ORDER.index(stage)]:
            if earlier in seen and stages[seen[earlier]][1] > start:
                problems.append((index, f"stage {stage} starts {start}, before the earlier stage {earlier}"))
                break
    return problems


def current_stage(stages: Sequence[tuple[Stage, date, date]], today: date) -> Stage | None:
    """The latest stage (in order) whose dates contain ``today``."""
    current = [stage for stage, start, end in stages if start <= today <= end]
    return max(current, key=STAGE_ORDER.index) if current else None


# -- reference data ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LeanResult:
    """One printed before/after result; ``after`` may be a range (``1-2`` → min 1, max 2)."""

    metric_ru: str
    metric_en: str
    before_raw: str
    after_raw: str
    effect_ru: str
    before: Decimal
    after_min: Decimal
    after_max: Decimal
    unit_ru: str
    unit_en: str
    direction: Direction
    printed_factor_min: Decimal
    printed_factor_max: Decimal
    as_of: date

    def effects(self) -> tuple[Effect, Effect]:
        """Effects at the worse and at the better end of the ``after`` range (equal for a point)."""
        if self.direction is Direction.LOWER_IS_BETTER:
            worse, better = self.after_max, self.after_min
        else:
            worse, better = self.after_min, self.after_max
        return (
            compute_effect(self.before, worse, self.direction),
            compute_effect(self.before, better, self.direction),
        )


def load_lean_before_after(path: Path) -> list[LeanResult]:
    """Read ``lean_before_after.csv`` (see data/reference/README.md) into typed records."""
    with path.open(encoding="utf-8", newline="") as handle:
        return [
            LeanResult(
                metric_ru=row["metric_ru"],
                metric_en=row["metric_en"],
                before_raw=row["before_raw"],
                after_raw=row["after_raw"],
                effect_ru=row["effect_ru"],
                before=Decimal(row["before_value"]),
                after_min=Decimal(row["after_value_min"]),
                after_max=Decimal(row["after_value_max"]),
                unit_ru=row["unit_ru"],
                unit_en=row["unit_en"],
                direction=Direction(row["direction"]),
                printed_factor_min=Decimal(row["effect_factor_min"]),
                printed_factor_max=Decimal(row["effect_factor_max"]),
                as_of=date.fromisoformat(row["as_of"]),
            )
            for row in csv.DictReader(handle)
        ]


# -- the project's own workflow ---------------------------------------------------------------


class NewModelCriterion(StrEnum):
    """The criteria of the "New model of a medical organisation providing primary care" that a
    project targets — as the federal centre's report (tables 1–3) groups them."""

    SPACE_QUALITY = "space_quality"  # Качество пространства
    STAFF_INVOLVEMENT = "staff_involvement"  # Вовлеченность персонала в улучшение процессов
    MANAGEMENT_SYSTEM = "management_system"  # Формирование системы управления
    EQUIPMENT_EFFICIENCY = "equipment_efficiency"  # Эффективность использования оборудования
    PATIENT_FLOW = "patient_flow"  # Управление потоками пациентов
    CARE_ACCESSIBILITY = "care_accessibility"  # Доступность медицинской помощи
    PROCESS_STANDARDISATION = "process_standardisation"  # Стандартизация процессов


CRITERIA_RU: dict[NewModelCriterion, tuple[str, int]] = {
    NewModelCriterion.SPACE_QUALITY: ("Качество пространства", 1),
    NewModelCriterion.STAFF_INVOLVEMENT: ("Вовлеченность персонала в улучшение процессов", 1),
    NewModelCriterion.MANAGEMENT_SYSTEM: ("Формирование системы управления", 1),
    NewModelCriterion.EQUIPMENT_EFFICIENCY: ("Эффективность использования оборудования", 1),
    NewModelCriterion.PATIENT_FLOW: ("Управление потоками пациентов", 2),
    NewModelCriterion.CARE_ACCESSIBILITY: ("Доступность медицинской помощи", 3),
    NewModelCriterion.PROCESS_STANDARDISATION: ("Стандартизация процессов", 3),
}
"""Russian name and the lean-report table that reports the criterion."""


class ProjectStatus(StrEnum):
    """How the work of a project stands (set by its organisation's operators or the region)."""

    PLANNED = "planned"
    IN_PROGRESS = "in_progress"
    SUSPENDED = "suspended"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


class PassportStatus(StrEnum):
    """The passport's approval by the regional centre: draft → submitted → approved, or returned
    to be corrected (and submitted again). An approved passport is locked; returning it reopens it."""

    DRAFT = "draft"
    SUBMITTED = "submitted"
    APPROVED = "approved"
    RETURNED = "returned"


class PassportAction(StrEnum):
    SUBMIT = "submit"
    APPROVE = "approve"
    RETURN = "return"


PASSPORT_STEPS: dict[PassportAction, tuple[frozenset[PassportStatus], PassportStatus]] = {
    PassportAction.SUBMIT: (frozenset({PassportStatus.DRAFT, PassportStatus.RETURNED}), PassportStatus.SUBMITTED),
    PassportAction.APPROVE: (frozenset({PassportStatus.SUBMITTED}), PassportStatus.APPROVED),
    PassportAction.RETURN: (frozenset({PassportStatus.SUBMITTED, PassportStatus.APPROVED}), PassportStatus.RETURNED),
}


def passport_step(current: PassportStatus, action: PassportAction) -> PassportStatus:
    """The status after ``action``; ValueError when it is not allowed from ``current``."""
    allowed, result = PASSPORT_STEPS[action]
    if current not in allowed:
        raise ValueError(f"a {current} passport cannot be {result.value}; it can be from: {', '.join(sorted(allowed))}")
    return result
