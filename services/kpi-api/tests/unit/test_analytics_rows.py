"""Analytics builds its thousands of rows without validation (``_trusted_row``): the rows must be
exactly what validation would have built, and the model must keep nothing that shortcut skips."""

from __future__ import annotations

from decimal import Decimal

from kpi_api.analytics.rows import trusted_row as _trusted_row
from kpi_api.analytics.schemas import AnalyticsRow
from kpi_api.targets.rules import Status


def test_the_model_has_nothing_the_shortcut_would_skip() -> None:
    assert AnalyticsRow.__pydantic_post_init__ is None
    assert AnalyticsRow.model_config.get("extra") != "allow"
    assert not AnalyticsRow.__private_attributes__


def test_a_trusted_row_equals_a_validated_one() -> None:
    fields = {
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
    trusted = _trusted_row(fields)
    validated = AnalyticsRow(**fields)
    assert trusted == validated
    assert trusted.model_dump_json() == validated.model_dump_json()
    assert AnalyticsRow.model_validate(trusted.model_dump()) == trusted
    # Fields not given take the model's defaults, as validation would.
    minimal = {"indicator_code": "I02", "org_unit_code": "RU", "period": "2025", "unit": "", "precision": 0}
    assert _trusted_row(minimal).model_dump_json() == AnalyticsRow(**minimal).model_dump_json()
