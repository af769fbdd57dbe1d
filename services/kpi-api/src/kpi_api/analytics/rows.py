"""Analytics rows built without validation: the service computed and checked every field itself."""

from __future__ import annotations

from typing import Any

from kpi_api.analytics.schemas import AnalyticsRow

_ROW_FIELDS = frozenset(AnalyticsRow.model_fields)


def trusted_row(fields: dict[str, Any]) -> AnalyticsRow:
    """An AnalyticsRow from values the service computed and checked itself, without validation.

    ``fields`` holds every field of AnalyticsRow in the model's order and becomes the row's ``__dict__``
    as it is: what ``model_construct`` does, minus its per-field alias and default look-ups and a copy
    of 29 keys (constructing and copying rows was a quarter of a large answer's Python time). The
    order matters: pydantic writes a row's JSON in its dict's order and leaves out a missing key
    without a word; the unit test and the API tests check the keys against the model. No post-init
    hook, extra fields or private attributes exist on AnalyticsRow; the unit test keeps that honest."""
    row = AnalyticsRow.__new__(AnalyticsRow)
    object.__setattr__(row, "__dict__", fields)
    object.__setattr__(row, "__pydantic_fields_set__", _ROW_FIELDS)
    object.__setattr__(row, "__pydantic_extra__", None)
    object.__setattr__(row, "__pydantic_private__", None)
    return row
