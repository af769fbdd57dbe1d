"""Pure rules of the programme workflows, tested without a database."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from roadmap_api.improvements.rules import Direction, PassportAction, PassportStatus, passport_step
from roadmap_api.life_situations import rules as ls
from roadmap_api.programmes import execution_rules as ex
from roadmap_api.programmes.rules import Term, TermKind, parse_kbk_cell
from roadmap_api.regional_centres import rules as rc
from roadmap_api.sessions import composition, pipeline
from roadmap_api.sessions.rules import Ballot, SectionVoting, VotingMode, tally

D = Decimal


class TestStaffing:
    @pytest.mark.parametrize(
        ("polyclinics", "staff"),
        [(0, 3), (1, 3), (10, 3), (11, 4), (40, 4), (41, 5), (100, 5), (101, 6), (500, 6)],
    )
    def test_bands(self, polyclinics: int, staff: int) -> None:
        assert rc.required_staff(polyclinics) == staff

    def test_declared_polyclinics_win_when_larger(self) -> None:
        members = [rc.MemberFact(f"m{n}", n == 0, True, (f"p{n}",)) for n in range(4)]
        assert rc.compliance(members, None)[0].ok is True  # 4 curated: at least 3
        assert rc.compliance(members, 11)[0].ok is True  # 11 declared: at least 4
        assert rc.compliance(members[:3], 11)[0].ok is False
        assert rc.compliance(members, 2)[0].detail.startswith("4 staff for 4 polyclinic(s)")

    def test_curated_polyclinics_are_counted_once(self) -> None:
        members = [rc.MemberFact("a", True, True, ("p1", "p2")), rc.MemberFact("b", False, True, ("p2", "p1"))]
        first = rc.compliance(members, None)[0]
        assert "2 polyclinic(s)" in first.detail and first.ok is False

    def test_half_is_enough(self) -> None:
        two_of_four = [rc.MemberFact(f"m{n}", n == 0, n < 2, ("p",)) for n in range(4)]
        assert {c.rule: c.ok for c in rc.compliance(two_of_four, None)}["half_medically_educated"] is True
        one_of_three = two_of_four[1:]
        assert {c.rule: c.ok for c in rc.compliance(one_of_three, None)}["half_medically_educated"] is False


class TestSelfAssessmentRules:
    def test_worst_is_direction_aware(self) -> None:
        values = [D(7), D("12.5"), D(3)]
        assert ls.worst(values, Direction.LOWER_IS_BETTER) == D("12.5")
        assert ls.worst(values, Direction.HIGHER_IS_BETTER) == D(3)
        assert ls.worst([], Direction.LOWER_IS_BETTER) is None

    def test_sample_of_ten(self) -> None:
        assert ls.summarise([D(1)] * 9, Direction.LOWER_IS_BETTER).sample_ok is False
        summary = ls.summarise([D(n) for n in range(1, 11)], Direction.LOWER_IS_BETTER)
        assert (summary.n, summary.sample_ok, summary.current_value, summary.mean) == (10, True, D(10), D("5.5"))

    def test_institution_warnings(self) -> None:
        fact = ls.InstitutionFact
        assert ls.institution_warnings([fact("a", False), fact("b", True)], "RU-MUR") == []
        assert len(ls.institution_warnings([fact("a", False), fact("b", False)], "RU-MUR")) == 1
        assert len(ls.institution_warnings([], "RU-MUR")) == 3
        unknown = ls.institution_warnings([fact("a", True), fact("b", False), fact("c", None)], "RU-MUR")
        assert unknown == ["urban or rural is not known for: c"]


class TestTopN:
    def section(self, top_n: int) -> SectionVoting:
        opens = datetime(2021, 11, 1, tzinfo=UTC)
        return SectionVoting(
            "S", frozenset("ABCDE"), VotingMode.SINGLE_CHOICE, opens, opens.replace(day=2), top_n=top_n
        )

    def ballots(self, choices: str) -> list[Ballot]:
        return [Ballot(str(n), "S", {c: 1}, datetime(2021, 11, 1, 12, tzinfo=UTC)) for n, c in enumerate(choices)]

    def test_tie_across_the_cut(self) -> None:
        result = tally(self.section(3), self.ballots("AAAABBBCCDD"))
        assert result.winners == ["A", "B", "C", "D"]
        assert result.tie_at_cutoff and not result.tie_for_first
        assert [(t.rank, t.project_codes) for t in result.ties] == [(3, ["C", "D"])]

    def test_ties_at_first_and_at_the_cut(self) -> None:
        result = tally(self.section(3), self.ballots("AABBCD"))  # ranks 1 1 3 3
        assert result.winners == ["A", "B", "C", "D"]
        assert result.tie_for_first and result.tie_at_cutoff
        assert [(t.rank, t.points) for t in result.ties] == [(1, 2), (3, 1)]
        short = tally(self.section(3), self.ballots("AAB"))
        assert (short.winners, short.tie_at_cutoff) == (["A", "B"], False)  # no points, no winner

    def test_top_n_must_be_positive(self) -> None:
        with pytest.raises(ValueError):
            self.section(0)


class TestComposition:
    def test_default_is_one_chief_physician(self) -> None:
        rules = composition.CompositionRules.from_json(None)
        assert composition.group_warnings("G", ["chief_physician", "ministry"], rules) == []
        assert composition.group_warnings("G", ["ministry"], rules) == [
            "G: 0 chief physician(s); the rule asks for exactly 1"
        ]

    def test_limits_and_size(self) -> None:
        rules = composition.CompositionRules(
            (composition.CategoryRule("college", None, 1), composition.CategoryRule("ministry", 1, 2)), 3, 4
        )
        assert composition.group_warnings("G", ["college", "college", "ministry"], rules) == [
            "G: 2 college(s); the rule asks for at most 1"
        ]
        assert composition.group_warnings("G", ["ministry"] * 5, rules) == [
            "G: 5 ministry(s); the rule asks for 1 to 2",
            "G: 5 participant(s); at most 4 per group",
        ]
        assert composition.CompositionRules.from_json(rules.to_json()) == rules


class TestPipeline:
    def test_transitions(self) -> None:
        S = pipeline.ProjectStatus
        pipeline.check_transition(S.DRAFTED, S.SELECTED, None, [])
        pipeline.check_transition(S.COMMISSION_REVIEW, S.REFINEMENT, date(2022, 3, 1), [])
        with pytest.raises(pipeline.PipelineError) as refused:
            pipeline.check_transition(S.IMPLEMENTATION, S.REJECTED, None, [])
        assert refused.value.code == "illegal_transition" and refused.value.pointer is None
        with pytest.raises(pipeline.PipelineError) as no_site:
            pipeline.check_transition(S.COMMISSION_REVIEW, S.PILOT, None, [])
        assert no_site.value.pointer == "/pilot_org_unit_codes"
        assert pipeline.is_selected(S.PILOT) and not pipeline.is_selected(S.REJECTED)
        assert pipeline.refinement_overdue(S.REFINEMENT, date(2022, 1, 1), date(2022, 1, 2))
        assert not pipeline.refinement_overdue(S.REFINEMENT, date(2022, 1, 1), date(2022, 1, 1))


class TestPassport:
    def test_steps(self) -> None:
        P, A = PassportStatus, PassportAction
        assert passport_step(P.DRAFT, A.SUBMIT) is P.SUBMITTED
        assert passport_step(P.SUBMITTED, A.APPROVE) is P.APPROVED
        assert passport_step(P.APPROVED, A.RETURN) is P.RETURNED
        assert passport_step(P.RETURNED, A.SUBMIT) is P.SUBMITTED
        with pytest.raises(ValueError, match="cannot be approved"):
            passport_step(P.DRAFT, A.APPROVE)


class TestKbk:
    @pytest.mark.parametrize(
        ("part", "printed", "codes"),
        [
            ("glava", "805 807", ["805", "807"]),
            ("glava", "805;807", ["805", "807"]),
            ("tselevaya_statya", "21 4 02 R365 0", ["21 4 02 R365 0"]),
            ("tselevaya_statya", "21 4 02 R365 0; 21 4 N9 00000", ["21 4 02 R365 0", "21 4 N9 00000"]),
            ("vid_raskhodov", " 600 400 ", ["600", "400"]),
            ("glava", "x", "x"),
            ("glava", "х", "x"),
            ("glava", "", None),
        ],
    )
    def test_cells(self, part: str, printed: str, codes: object) -> None:
        assert parse_kbk_cell(part, printed) == codes


def act(number: int, end: Term, start: Term | None = None) -> ex.Activity:
    return ex.Activity(number, start or Term(TermKind.DATE, date(2021, 1, 1), ""), end)


class TestProgrammeExecution:
    def test_annual_obligations_start_with_the_activity(self) -> None:
        annual = act(1, Term(TermKind.ANNUALLY, None, "ежегодно"), Term(TermKind.DATE, date(2022, 5, 1), ""))
        assert [o.period for o in ex.obligations(annual, 2021, 2024)] == ["2022", "2023", "2024"]
        event_start = act(2, Term(TermKind.ANNUALLY, None, ""), Term(TermKind.EVENT, None, "С момента"))
        assert [o.due_on for o in ex.obligations(event_start, 2021, 2022)] == [date(2021, 12, 31), date(2022, 12, 31)]
        assert ex.obligations(act(3, Term(TermKind.ONGOING, None, "")), 2021, 2025) == []

    def test_periods(self) -> None:
        dated = act(1, Term(TermKind.DATE, date(2021, 6, 30), ""))
        assert ex.period_of(dated, None) == "all"
        with pytest.raises(ValueError):
            ex.period_of(dated, 2021)
        annual = act(2, Term(TermKind.ANNUALLY, None, ""))
        assert ex.period_of(annual, 2023) == "2023"
        with pytest.raises(ValueError):
            ex.period_of(annual, None)
        assert ex.period_of(act(3, Term(TermKind.ONGOING, None, "")), 2022) == "2022"

    def test_percentages_round_half_up_and_the_threshold_uses_the_exact_value(self) -> None:
        activities = [act(n, Term(TermKind.DATE, date(2021, 6, 30), "")) for n in range(1, 10)]
        done = ex.Progress(ex.ProgressStatus.DONE, date(2021, 6, 1))
        reports = {(n, "all"): done for n in range(1, 9)}
        result = ex.execute(activities, reports, date(2021, 12, 31), 2021, 2021)
        assert (result.due, result.execution_pct, result.meets_threshold) == (9, D("88.89"), False)
        reports[(9, "all")] = ex.Progress(ex.ProgressStatus.DONE, date(2022, 1, 5))
        assert ex.execute(activities, reports, date(2021, 12, 31), 2021, 2021).overdue == 1
        assert ex.execute(activities, reports, date(2022, 1, 5), 2021, 2021).completed_late == 1
