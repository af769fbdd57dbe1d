"""plain() on integral values with more digits than the default decimal context (found by fuzzing)."""

from __future__ import annotations

from decimal import Decimal

from kpi_api.numbers import plain


def test_plain_keeps_huge_integral_values_exact() -> None:
    assert plain(Decimal("1.79E+844")) == Decimal("179" + "0" * 842)
    assert plain(Decimal("1.2E+3")) == Decimal(1200)
    assert str(plain(Decimal("12.500000"))) == "12.5"
    assert plain(Decimal("1E-900")) == Decimal("1E-900")
