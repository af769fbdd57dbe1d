from __future__ import annotations

import dataclasses
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from roadmap_api.programmes.reference import Financing, ReferenceFormatError, load_financing, load_plan
from roadmap_api.programmes.rules import (
    DeclaredAmount,
    FinancingLine,
    FundingSource,
    Mismatch,
    PlanItem,
    PlanLevel,
    PlanProblem,
    TermKind,
    UnrecognisedTerm,
    check_plan,
    computed_amount,
    parse_term,
    reconcile,
    totals_by_activity,
    totals_by_source,
    totals_by_year,
    unproven_empty_cells,
)

F = FundingSource
YEARS = range(2021, 2026)
CONSOLIDATED = Decimal("3962876.4")


@pytest.fixture(scope="module")
def plan(reference_dir: Path) -> list[PlanItem]:
    return load_plan(reference_dir / "murmansk_plan.csv")


@pytest.fixture(scope="module")
def financing(reference_dir: Path) -> Financing:
    return load_financing(reference_dir / "murmansk_financing.csv")


def declared(fin: Financing, activity: int | None, source: FundingSource, year: int | None) -> Decimal | None:
    (match,) = [d for d in fin.declared if (d.activity_no, d.source, d.year) == (activity, source, year)]
    return match.amount


class TestTerms:
    def test_kinds(self) -> None:
        assert parse_term("01.01.2021", "2021-01-01").on == date(2021, 1, 1)
        assert parse_term("на постоянной основе", None).kind is TermKind.ONGOING
        assert parse_term("ежегодно", None).kind is TermKind.ANNUALLY
        event = parse_term("С момента вступления в силу Постановления … № 1304", None)
        assert (event.kind, event.on) == (TermKind.EVENT, None)

    def test_unknown_phrase_is_refused(self) -> None:
        with pytest.raises(UnrecognisedTerm):
            parse_term("когда-нибудь", None)


class TestMurmanskPlan:
    def test_structure(self, plan: list[PlanItem]) -> None:
        counts = {level: sum(1 for i in plan if i.level is level) for level in PlanLevel}
        assert counts == {PlanLevel.GOAL: 3, PlanLevel.TASK: 8, PlanLevel.ACTIVITY: 17}
        activities = [i.number for i in plan if i.level is PlanLevel.ACTIVITY]
        assert activities == list(range(1, 18))

    def test_non_date_terms_are_typed(self, plan: list[PlanItem]) -> None:
        by_key = {(i.level, i.number): i for i in plan}
        assert by_key[PlanLevel.ACTIVITY, 9].end.kind is TermKind.ONGOING
        assert by_key[PlanLevel.TASK, 8].end.kind is TermKind.ANNUALLY
        activity_12 = by_key[PlanLevel.ACTIVITY, 12]
        assert activity_12.start.kind is TermKind.EVENT
        assert "№ 1304" in activity_12.start.text
        assert activity_12.end.on == date(2021, 6, 30)
        assert by_key[PlanLevel.GOAL, 1].responsible_ru is None
        assert by_key[PlanLevel.TASK, 7].responsible_ru == "Министерство здравоохранения Мурманской области"

    def test_only_activity_8_starts_before_the_programme(self, plan: list[PlanItem]) -> None:
        assert check_plan(plan, programme_start=date(2021, 1, 1)) == [
            PlanProblem(PlanLevel.ACTIVITY, 8, "starts 2020-11-01, before the programme starts 2021-01-01")
        ]
        assert check_plan(plan) == []

    def test_structural_problems_are_flagged(self, plan: list[PlanItem]) -> None:
        activity = next(i for i in plan if i.level is PlanLevel.ACTIVITY)
        broken = [
            *plan,
            dataclasses.replace(activity, number=18, task_no=99),
            dataclasses.replace(activity, number=19, goal_no=2),
            dataclasses.replace(activity, end=parse_term("01.01.2020", "2020-01-01")),
        ]
        messages = [(p.number, p.message) for p in check_plan(broken)]
        assert messages == [
            (18, "task 99 does not exist"),
            (19, "task 1 belongs to goal 1, not 2"),
            (1, "duplicate activity number"),
            (1, "ends 2020-01-01 before it starts 2021-01-01"),
        ]


class TestMurmanskFinancing:
    def test_all_printed_totals_reconcile(self, financing: Financing) -> None:
        # One call covers: total row = sum of sources per activity and year, the 2021-2025 column =
        # sum of the years, and the programme-level block = sum over activities.
        assert financing.period == (2021, 2025)
        assert reconcile(financing.lines, financing.declared) == []

    def test_total_row_equals_sources_per_activity_and_year(self, financing: Financing) -> None:
        checked = 0
        for activity in range(1, 10):
            for year in YEARS:
                printed = declared(financing, activity, F.TOTAL, year)
                if printed is None:  # activities 6, 8, 9: empty cells, period total 0,0
                    continue
                regional = computed_amount(financing.lines, activity, F.REGIONAL_BUDGET, year)
                federal = computed_amount(financing.lines, activity, F.FEDERAL_TRANSFER, year)
                # The README's rule: the federal transfer is beside the regional budget, not in it.
                assert regional + federal == printed, (activity, year)
                checked += 1
        assert checked == 30  # activities 1–5 and 7, five years each

    def test_period_column_equals_sum_of_years(self, financing: Financing) -> None:
        for d in financing.declared:
            if d.year is None and d.amount is not None:
                years = sum(
                    (
                        x.amount
                        for x in financing.declared
                        if (x.activity_no, x.source) == (d.activity_no, d.source)
                        and x.year is not None
                        and x.amount is not None
                    ),
                    Decimal(0),
                )
                if d.activity_no is None or d.source is F.TOTAL:
                    assert years == d.amount, d
                else:
                    assert computed_amount(financing.lines, d.activity_no, d.source, None) == d.amount, d

    def test_programme_block_is_activities_1_to_5(self, financing: Financing) -> None:
        first_five = [line for line in financing.lines if line.activity_no <= 5]
        assert computed_amount(first_five, None, F.TOTAL, None) == CONSOLIDATED
        assert declared(financing, None, F.TOTAL, None) == CONSOLIDATED
        for source in F:
            for year in [*YEARS, None]:
                printed = declared(financing, None, source, year)
                assert computed_amount(first_five, None, source, year) == printed, (source, year)

    def test_totals_per_year_source_and_activity(self, financing: Financing) -> None:
        assert totals_by_year(financing.lines) == {
            2021: Decimal("720523.0"),
            2022: Decimal("720523.0"),
            2023: Decimal("720523.0"),
            2024: Decimal("821330.4"),
            2025: Decimal("979977.0"),
        }
        by_source = totals_by_source(financing.lines)
        assert by_source[F.FEDERAL_TRANSFER] == Decimal("3677971.0")
        assert by_source[F.REGIONAL_BUDGET] == Decimal("284905.4")
        assert by_source[F.FEDERAL_TRANSFER] + by_source[F.REGIONAL_BUDGET] == CONSOLIDATED
        by_activity = totals_by_activity(financing.lines)
        assert list(by_activity) == list(range(1, 10))
        assert by_activity[1] == Decimal("1033866.3")
        assert by_activity[5] == Decimal("1551384.5")
        assert all(by_activity[a] == 0 for a in range(6, 10))
        assert sum(by_activity.values()) == CONSOLIDATED

    def test_memo_and_need_rows_are_zero_in_the_source(self, financing: Financing) -> None:
        # Our reading keeps them out of the total; the Murmansk data cannot contradict it.
        for line in financing.lines:
            if line.source in (F.TRANSFERS_FROM_REGIONAL_BUDGETS, F.ADDITIONAL_NEED):
                assert not line.amount, line

    def test_truncated_activity_9_is_explicit(self, financing: Financing) -> None:
        truncated = financing.truncated
        assert {(c.activity_no, c.source) for c in truncated} == {(9, F.LEGAL_ENTITIES)}
        assert sorted(c.year or 0 for c in truncated) == [0, 2021, 2022, 2023, 2024, 2025]
        assert all(c.amount is None for c in truncated)
        # The file ends inside row 9.5: activity 9 has no additional_need row at all.
        assert not [x for x in financing.lines if x.activity_no == 9 and x.source is F.ADDITIONAL_NEED]
        # Activity 9's printed period total is 0,0, so the lost cells must have been 0 too.
        assert declared(financing, 9, F.TOTAL, None) == Decimal(0)

    def test_empty_cells_are_proven_zero_except_the_truncated_row(self, financing: Financing) -> None:
        unproven = unproven_empty_cells(financing.lines, financing.declared)
        assert unproven
        assert all(line.truncated for line in unproven)
        assert {(line.activity_no, line.source) for line in unproven} == {(9, F.LEGAL_ENTITIES)}

    def test_activities_10_to_17_have_no_financing(self, financing: Financing, plan: list[PlanItem]) -> None:
        planned = {i.number for i in plan if i.level is PlanLevel.ACTIVITY}
        assert planned - financing.financed_activities == set(range(10, 18))


class TestReconcile:
    def test_a_wrong_line_is_named_in_every_aggregate_it_breaks(self, financing: Financing) -> None:
        lines = [
            dataclasses.replace(line, amount=Decimal("5984.2"))
            if (line.activity_no, line.source, line.year) == (1, F.REGIONAL_BUDGET, 2021)
            else line
            for line in financing.lines
        ]
        mismatches = reconcile(lines, financing.declared)
        keys = {(m.activity_no, m.year, m.source) for m in mismatches}
        assert keys == {
            (1, 2021, F.TOTAL),
            (1, None, F.TOTAL),
            (1, None, F.REGIONAL_BUDGET),
            (None, 2021, F.TOTAL),
            (None, 2021, F.REGIONAL_BUDGET),
            (None, None, F.TOTAL),
            (None, None, F.REGIONAL_BUDGET),
        }
        first = next(m for m in mismatches if (m.activity_no, m.year, m.source) == (1, 2021, F.TOTAL))
        assert first == Mismatch(1, 2021, F.TOTAL, Decimal("83235.9"), Decimal("83236.0"))
        assert str(first) == "activity 1, 2021, total: declared 83235.9, computed 83236.0"

    def test_empty_declared_cells_claim_nothing(self) -> None:
        lines = [FinancingLine(1, F.REGIONAL_BUDGET, 2021, Decimal(5))]
        assert reconcile(lines, [DeclaredAmount(1, F.TOTAL, 2021, None)]) == []
        assert reconcile(lines, [DeclaredAmount(1, F.TOTAL, 2021, Decimal(0))]) == [
            Mismatch(1, 2021, F.TOTAL, Decimal(0), Decimal(5))
        ]


class TestLoaderErrors:
    def test_bad_amount_names_the_line(self, tmp_path: Path, reference_dir: Path) -> None:
        text = (reference_dir / "murmansk_financing.csv").read_text(encoding="utf-8").splitlines()
        text[2] = text[2].replace("720523.0", "x")
        bad = tmp_path / "bad.csv"
        bad.write_text("\n".join(text) + "\n", encoding="utf-8")
        with pytest.raises(ReferenceFormatError, match="line 3"):
            load_financing(bad)
