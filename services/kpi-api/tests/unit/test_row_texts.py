"""A row's JSON is kept by the whole of its inputs (``RowTexts``): served again only for equal inputs,
never for a row whose value, target, note, state or rules differ, and bounded in number."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from kpi_api.analytics.rows import RowInputs, RowTexts, row_fields, row_json
from kpi_api.indicators.rules import Aggregation, Direction
from kpi_api.targets.rules import Thresholds
from kpi_api.targets.verdict import Judge, JudgeRules, TargetFigures
from zdrav_shared.periods import Period

Q2 = Period.parse("2025Q2")


def _rules(direction: Direction = Direction.HIGHER_IS_BETTER, cause_note_pct: Decimal | None = None) -> JudgeRules:
    return JudgeRules(Q2, False, direction, Thresholds(), Aggregation.SUM, None, cause_note_pct)


def _judge(direction: Direction = Direction.HIGHER_IS_BETTER, cause_note_pct: Decimal | None = None) -> Judge:
    return Judge.of(_rules(direction, cause_note_pct))


def _inputs(**changed: object) -> RowInputs:
    given = {
        "indicator_code": "I01",
        "org_unit_code": "RU-MUR",
        "period": "2025Q2",
        "ytd": False,
        "judge": _judge(),
        "unit": "persons",
        "precision": 1,
        "figure": Decimal("82.34"),
        "why": None,
        "reported_units": 3,
        "numerator": None,
        "denominator": None,
        "targets": (("2025Q2", TargetFigures(Decimal("85.000000"), Decimal("80.000000"), None)),),
        "state": None,
        "cause_note": None,
        "previous_period": None,
        "previous_figure": None,
        "pulled": (),
    }
    given.update(changed)
    return RowInputs(**given)  # type: ignore[arg-type]


def test_the_same_rules_give_the_same_judge() -> None:
    assert _judge() is _judge()
    assert _judge() is not _judge(Direction.LOWER_IS_BETTER)
    assert _judge() is not _judge(cause_note_pct=Decimal(10))


def test_a_judge_made_again_for_the_same_rules_is_only_a_miss() -> None:
    """A key compares its judge by identity: a judge made again (the store of judges cleared) is another
    key with the same text, never another row's text."""
    texts = RowTexts()
    again = Judge(_rules())
    assert texts.text(_inputs(judge=again)) == texts.text(_inputs())
    assert len(texts) == 2


def test_equal_inputs_are_served_the_text_written_before() -> None:
    texts = RowTexts()
    first = texts.text(_inputs())
    # Equal, not the same objects: what the next request reads from the database.
    again = texts.text(_inputs(figure=Decimal("82.3400"), targets=tuple(dict(_inputs().targets).items())))
    assert again is first and len(texts) == 1
    assert first == row_json(row_fields(_inputs()))


def test_any_changed_input_is_a_row_of_its_own() -> None:
    texts = RowTexts()
    base = texts.text(_inputs())
    changes: list[dict[str, object]] = [
        {"figure": Decimal("90")},
        {"targets": (("2025Q2", TargetFigures(Decimal("80"), Decimal("80"), None)),)},
        {"judge": _judge(Direction.LOWER_IS_BETTER)},
        {"figure": None, "why": "no_data"},
        {"figure": None, "why": "no_data", "state": "x"},  # the recorded state shows where there is no value
        {"cause_note": "анализ факторов"},
        {"precision": 2},
        {"org_unit_code": "RU-ARK"},
    ]
    written = {base}
    for changed in changes:
        text = texts.text(_inputs(**changed))
        assert text not in written, changed
        assert text == row_json(row_fields(_inputs(**changed))), changed
        written.add(text)
    assert len(texts) == 1 + len(changes)


def test_the_store_keeps_the_most_recently_used_rows() -> None:
    texts = RowTexts(capacity=3)
    rows = [_inputs(org_unit_code=f"RU-{n}") for n in range(4)]
    for row in rows[:3]:
        texts.text(row)
    texts.text(rows[0])  # used again: the oldest is now rows[1]
    texts.text(rows[3])
    assert len(texts) == 3
    assert rows[1] not in texts and rows[0] in texts and rows[3] in texts


@settings(max_examples=200, deadline=None)
@given(
    figures=st.lists(
        st.one_of(st.none(), st.decimals(min_value=-1000, max_value=1000, places=2, allow_nan=False)), max_size=30
    ),
    target=st.decimals(min_value=-100, max_value=100, places=1, allow_nan=False),
)
def test_a_served_text_is_always_the_text_of_its_own_row(figures: list[Decimal | None], target: Decimal) -> None:
    texts = RowTexts(capacity=8)
    targets = (("2025Q2", TargetFigures(target, None, None)),)
    for figure in figures + figures[::-1]:
        inputs = _inputs(figure=figure, targets=targets, why=None if figure is not None else "no_data")
        assert texts.text(inputs) == row_json(row_fields(inputs))


def _written_otherwise(value: Decimal) -> Decimal:
    """The same number written with other trailing zeros, or the other zero."""
    if value.is_zero():
        return -value
    return value.quantize(Decimal(1).scaleb(value.as_tuple().exponent - 3))  # type: ignore[operator]


_figures = st.one_of(
    st.just(Decimal(0)),
    st.just(Decimal("-0.000")),
    st.decimals(min_value=-10_000, max_value=10_000, places=3, allow_nan=False),
)


@settings(max_examples=300, deadline=None)
@given(
    figure=_figures,
    target=_figures,
    baseline=_figures,
    low=_figures,
    previous=_figures,
    ranged=st.booleans(),
    precision=st.integers(0, 3),
)
def test_equal_inputs_make_the_same_text(
    figure: Decimal, target: Decimal, baseline: Decimal, low: Decimal, previous: Decimal, ranged: bool, precision: int
) -> None:
    """What makes a kept text safe to serve: inputs that are equal as keys (numbers equal whatever their
    trailing zeros, and 0 equal to -0) make the same row, byte for byte."""

    def inputs(written: Callable[[Decimal], Decimal]) -> RowInputs:
        bounds = (written(low), written(low + abs(target))) if ranged else (None, None)
        figures = TargetFigures(written(target), written(baseline), None, *bounds)
        return _inputs(
            figure=written(figure),
            precision=precision,
            targets=(("2025Q2", figures),),
            previous_period="2025Q1",
            previous_figure=written(previous),
        )

    one, other = inputs(lambda value: value), inputs(_written_otherwise)
    assert one == other and hash(one) == hash(other)
    assert row_json(row_fields(one)) == row_json(row_fields(other))
