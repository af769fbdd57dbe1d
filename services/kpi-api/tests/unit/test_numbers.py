"""plain() with its shared context gives what a fresh, wide enough local context gives."""

from __future__ import annotations

from decimal import Decimal, localcontext

from hypothesis import given
from hypothesis import strategies as st

from kpi_api.numbers import plain


def _reference(value: Decimal) -> Decimal:
    normal = value.normalize()
    if normal != normal.to_integral_value():
        return normal
    with localcontext() as ctx:
        ctx.prec = max(ctx.prec, normal.adjusted() + 1)
        return normal.quantize(Decimal(1))


@given(st.decimals(min_value=Decimal("-1e60"), max_value=Decimal("1e60"), allow_nan=False, allow_infinity=False))
def test_same_as_a_fresh_local_context(value: Decimal) -> None:
    assert plain(value).as_tuple() == _reference(value).as_tuple()  # type: ignore[union-attr]


def test_trailing_zeros_and_exponents() -> None:
    assert str(plain(Decimal("12.500000"))) == "12.5"
    assert str(plain(Decimal("1.2E+3"))) == "1200"
    assert str(plain(Decimal("50.000000"))) == "50"
    assert str(plain(Decimal("1E+33"))) == "1" + "0" * 33
    assert str(plain(Decimal("1E+40"))) == "1" + "0" * 40
    assert plain(None) is None
