"""Analytics builds its thousands of rows without validation (``trusted_row``): the rows must be
exactly what validation would have built, and the model must keep nothing that shortcut skips."""

from __future__ import annotations

from decimal import Decimal

from kpi_api.analytics.rows import trusted_row
from kpi_api.analytics.schemas import AnalyticsRow
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
