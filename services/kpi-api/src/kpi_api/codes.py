"""Patterns of the codes that path and query parameters carry (org units, report types, indicators).

A code outside them is refused as a 422 before it reaches SQL: PostgreSQL cannot even compare a text
holding a NUL byte, and no code has control characters."""

from __future__ import annotations

CODE = r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,63}$"
"""Org units (RU-MUR, MUR-GP1), indicators (MUR_T02) and report types (federal_monthly)."""

PERIOD = r"^[0-9]{4}(Q[0-9]|-[0-9]{2})?$"
"""2025, 2025Q2, 2025-04 (the period module says which of them exist)."""

TEXT = r"^[^\x00-\x1f\x7f]*$"
"""Free text in a query: anything but control characters."""
