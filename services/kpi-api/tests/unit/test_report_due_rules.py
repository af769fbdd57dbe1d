"""Due dates of report types (pure rules), figures worked out by hand from the 2027 calendar."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from kpi_api.report_types.rules import DueRule, DueRuleKind, due_at, due_date, is_on_time
from kpi_api.report_types.seeds import FEDERAL_REPORT_TYPES
from zdrav_shared.periods import Period

MONTHLY = DueRule(DueRuleKind.DAY_OF_NEXT_PERIOD, day=5, months_after=1, roll_forward=True)
MONTHLY_FIXED = DueRule(DueRuleKind.DAY_OF_NEXT_PERIOD, day=5, months_after=1)
THREE_WORKING_DAYS = DueRule(DueRuleKind.WORKING_DAYS_AFTER_EVENT, days=3)


@pytest.mark.parametrize(
    ("rule", "period", "event", "expected"),
    [
        (MONTHLY, "2026-12", None, date(2027, 1, 11)),
        (MONTHLY_FIXED, "2026-12", None, date(2027, 1, 5)),
        (MONTHLY, "2027-10", None, date(2027, 11, 8)),  # 5 Nov 2027 is a day off → Monday 8th
        (
            DueRule(DueRuleKind.DAY_OF_NEXT_PERIOD, day=20, months_after=1, roll_forward=True),
            "2027-01",
            None,
            date(2027, 2, 20),  # a working Saturday: nothing to roll
        ),
        (THREE_WORKING_DAYS, None, date(2027, 11, 3), date(2027, 11, 10)),
        (DueRule(DueRuleKind.MONTHS_AFTER_EVENT, months=2), None, date(2027, 10, 31), date(2027, 12, 31)),
        (
            DueRule(DueRuleKind.MONTHS_AFTER_EVENT, months=2, roll_forward=True),
            None,
            date(2027, 10, 31),
            date(2028, 1, 10),
        ),
    ],
)
def test_due_dates(rule: DueRule, period: str | None, event: date | None, expected: date) -> None:
    parsed = Period.parse(period) if period else None
    assert due_date(rule, period=parsed, event_date=event) == expected


def test_20_february_2027_is_a_working_saturday() -> None:
    # Event Thursday 18 February 2027: Friday 19 (1), Saturday 20 is a working day (2), 21 Sunday,
    # 22 (moved from the 20th) and 23 off, Wednesday 24 (3).
    assert due_date(THREE_WORKING_DAYS, event_date=date(2027, 2, 18)) == date(2027, 2, 24)


def test_on_time_is_before_local_midnight() -> None:
    due = date(2027, 11, 10)
    assert due_at(due, "Asia/Krasnoyarsk").isoformat() == "2027-11-10T23:59:59+07:00"
    assert is_on_time(datetime(2027, 11, 10, 16, 59, 59, 999999, tzinfo=UTC), due, "Asia/Krasnoyarsk")
    assert not is_on_time(datetime(2027, 11, 10, 17, tzinfo=UTC), due, "Asia/Krasnoyarsk")
    assert is_on_time(datetime(2027, 11, 10, 20, 59, tzinfo=UTC), due, "Europe/Moscow")
    with pytest.raises(ValueError):
        is_on_time(datetime(2027, 11, 10, 12), due, "Europe/Moscow")


@pytest.mark.parametrize(
    ("rule", "fields"),
    [
        (DueRule(DueRuleKind.DAY_OF_NEXT_PERIOD), ["day"]),
        (DueRule(DueRuleKind.DAY_OF_NEXT_PERIOD, day=5, days=2), ["days"]),
        (DueRule(DueRuleKind.WORKING_DAYS_AFTER_EVENT, days=0), ["days"]),
        (DueRule(DueRuleKind.MONTHS_AFTER_EVENT, months=25), ["months"]),
        (DueRule(DueRuleKind.MONTHS_AFTER_EVENT, months=2, day=3), ["day"]),
    ],
)
def test_rule_problems(rule: DueRule, fields: list[str]) -> None:
    assert [name for name, _ in rule.problems()] == fields


def test_the_migration_seeds_the_same_report_types() -> None:
    import importlib.util
    from pathlib import Path

    versions = Path(__file__).resolve().parents[2] / "migrations" / "versions"
    path = next(versions.glob("*_reporting_obligations_lean_org_units.py"))
    spec = importlib.util.spec_from_file_location("seed_migration", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.FEDERAL_REPORT_TYPES == FEDERAL_REPORT_TYPES
