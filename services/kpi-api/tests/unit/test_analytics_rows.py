"""Analytics builds its thousands of rows without validation (``trusted_row``): the rows must be
exactly what validation would have built, and the model must keep nothing that shortcut skips."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kpi_api.analytics.rows import answer_json, row_json, trusted_row
from kpi_api.analytics.schemas import AnalyticsAnswer, AnalyticsRow, DataFilter
from kpi_api.targets.rules import Status


def test_the_model_has_nothing_the_shortcut_would_skip() -> None:
    assert AnalyticsRow.__pydantic_post_init__ is None
    assert AnalyticsRow.model_config.get("extra") != "allow"
    assert not AnalyticsRow.__private_attributes__


def test_a_trusted_row_equals_a_validated_one() -> None:
    given = {
        "indicator_code": "I01",
        "org_unit_code": "RU-MUR",
        "period": "2025Q2",
        "ytd": False,
        "value": Decimal("66.7"),
        "numerator": Decimal("20"),
        "denominator": Decimal("30"),
        "target": Decimal("70"),
        "target_period": "2025Q2",
        "status": Status.ON_TRACK,
        "status_reason": "value 66.7 is 95.3 % of target 70 (higher is better)",
        "reported_units": 2,
        "unit": "%",
        "precision": 1,
    }
    validated = AnalyticsRow(**given)
    # Every field, in the model's order, as analytics builds a row.
    fields = {name: given.get(name, info.default) for name, info in AnalyticsRow.model_fields.items()}
    trusted = trusted_row(fields)
    assert trusted == validated
    assert trusted.model_dump_json() == validated.model_dump_json()
    assert AnalyticsRow.model_validate(trusted.model_dump()) == trusted


def test_a_row_must_hold_every_field_in_order() -> None:
    """Why analytics' rows list every field in the model's order: anything else is written differently,
    without an error (the API tests check the keys of every row analytics answers)."""
    full = {name: info.default for name, info in AnalyticsRow.model_fields.items()}
    full.update(indicator_code="I02", org_unit_code="RU", period="2025", unit="", precision=0)
    expected = AnalyticsRow(**full).model_dump_json()
    assert trusted_row(dict(full)).model_dump_json() == expected
    assert trusted_row(dict(reversed(list(full.items())))).model_dump_json() != expected
    assert trusted_row({k: v for k, v in full.items() if k != "warning"}).model_dump_json() != expected


_numbers = st.one_of(
    st.none(),
    st.decimals(allow_nan=False, allow_infinity=False, min_value=Decimal("-1e30"), max_value=Decimal("1e30")),
    st.integers(min_value=-(10**40), max_value=10**40).map(Decimal),
    st.decimals(allow_nan=False, allow_infinity=False, places=6).map(lambda d: d.normalize() if d.is_finite() else d),
)
_texts = st.one_of(st.none(), st.text(max_size=30))
_moments = st.one_of(
    st.none(),
    st.datetimes(timezones=st.sampled_from([UTC, timezone(timedelta(hours=3)), timezone(-timedelta(hours=5.5))])),
)


@st.composite
def _rows(draw: st.DrawFn) -> AnalyticsRow:
    fields: dict[str, object] = {}
    for name, info in AnalyticsRow.model_fields.items():
        annotation = str(info.annotation)
        if name in ("indicator_code", "org_unit_code", "period", "unit"):
            fields[name] = draw(st.text(max_size=20))
        elif name == "precision":
            fields[name] = draw(st.integers(0, 6))
        elif name == "status":
            fields[name] = draw(st.one_of(st.none(), st.sampled_from(list(Status))))
        elif name in ("ytd", "cause_note_required"):
            fields[name] = draw(st.booleans())
        elif name == "sample_ok":
            fields[name] = draw(st.one_of(st.none(), st.booleans()))
        elif name == "reported_units":
            fields[name] = draw(st.integers(0, 10**6))
        elif name in ("n", "dont_know"):
            fields[name] = draw(st.one_of(st.none(), st.integers(0, 10**9)))
        elif name == "data_as_of":
            fields[name] = draw(_moments)
        elif "Decimal" in annotation:
            fields[name] = draw(_numbers)
        else:
            fields[name] = draw(_texts)
    return trusted_row(fields)


@settings(max_examples=300, deadline=None)
@given(
    rows=st.lists(_rows(), max_size=5),
    data=st.sampled_from(list(DataFilter)),
    as_of=st.datetimes(timezones=st.just(UTC)),
)
def test_the_answer_is_written_as_pydantic_writes_it(
    rows: list[AnalyticsRow], data: DataFilter, as_of: datetime
) -> None:
    """The router writes the answer with orjson from the rows' dicts (``answer_json``): the same bytes as
    the model's own JSON, numbers of every size and precision, texts, statuses and moments alike."""
    answer = AnalyticsAnswer(rows=rows, data=data, data_as_of=as_of)
    assert _json(answer) == answer.model_dump_json().encode()


# What the wire has carried (pydantic's JsonNumber before the answer was written by orjson): every
# number a float, 12 as 12.0, -0 as 0.0.
_WRITTEN = {
    "0": "0.0",
    "-0": "0.0",
    "-0.000": "0.0",
    "12": "12.0",
    "12.000000": "12.0",
    "0.5": "0.5",
    "-2.25": "-2.25",
    "1E+15": "1000000000000000.0",
    "1E+16": "1e+16",
    "9007199254740993": "9007199254740992.0",
    "0.0001": "0.0001",
    "0.00009": "0.00009",
    "123456789012.123456": "123456789012.12346",
}


@pytest.mark.parametrize(("value", "written"), _WRITTEN.items())
def test_numbers_at_the_edges_are_written_as_the_wire_has_carried_them(value: str, written: str) -> None:
    answer = AnalyticsAnswer(rows=[_row(value=Decimal(value))], data_as_of=datetime(2026, 1, 1, tzinfo=UTC))
    assert f'"value":{written},'.encode() in _json(answer)
    assert _json(answer) == answer.model_dump_json().encode()


@pytest.mark.parametrize("value", [Fraction(3, 2), Decimal("1E+400"), Decimal("-1E+400")])
def test_the_answer_refuses_what_it_cannot_write(value: object) -> None:
    answer = AnalyticsAnswer(rows=[_row(value=value)], data_as_of=datetime(2026, 1, 1, tzinfo=UTC))
    with pytest.raises((TypeError, ValueError)):
        _json(answer)


def _row(**given: object) -> AnalyticsRow:
    fields = {name: info.default for name, info in AnalyticsRow.model_fields.items()}
    fields.update(indicator_code="I01", org_unit_code="RU", period="2025", unit="", precision=0, **given)
    return trusted_row(fields)


def _json(answer: AnalyticsAnswer) -> bytes:
    """The answer as the router writes it: each row's JSON, then the envelope."""
    return answer_json([row_json(row.__dict__) for row in answer.rows], answer.data, answer.data_as_of)
