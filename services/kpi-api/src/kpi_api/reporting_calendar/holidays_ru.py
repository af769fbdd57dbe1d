"""Default Russian production calendar, 2024–2026 (five-day week): data, not rules.

Non-working days are the public holidays of Labour Code art. 112 plus the days off the Government
moved by its yearly decrees; ``WORKING_WEEKENDS`` are the Saturdays those decrees made working
days. Check: 248 working days in 2024, 247 in 2025 and 247 in 2026, as published.

Outside 2024–2026 only Saturdays and Sundays count as days off. The calendar is configuration:
pass another :class:`~kpi_api.reporting_calendar.rules.WorkCalendar` (for a later year, or a
region's own non-working days) to the deadline functions.
"""

from __future__ import annotations

from datetime import date, timedelta


def _run(first: date, last: date) -> set[date]:
    return {first + timedelta(days=i) for i in range((last - first).days + 1)}


NON_WORKING_DAYS: frozenset[date] = frozenset(
    # 2024
    _run(date(2024, 1, 1), date(2024, 1, 8))
    | {date(2024, 2, 23), date(2024, 3, 8)}
    | {date(2024, 4, 29), date(2024, 4, 30), date(2024, 5, 1)}
    | {date(2024, 5, 9), date(2024, 5, 10), date(2024, 6, 12), date(2024, 11, 4)}
    | {date(2024, 12, 30), date(2024, 12, 31)}
    # 2025
    | _run(date(2025, 1, 1), date(2025, 1, 8))
    | {date(2025, 2, 23), date(2025, 3, 8)}
    | {date(2025, 5, 1), date(2025, 5, 2), date(2025, 5, 8), date(2025, 5, 9)}
    | {date(2025, 6, 12), date(2025, 6, 13), date(2025, 11, 3), date(2025, 11, 4)}
    | {date(2025, 12, 31)}
    # 2026
    | _run(date(2026, 1, 1), date(2026, 1, 9))
    | {date(2026, 2, 23), date(2026, 3, 8), date(2026, 3, 9)}
    | {date(2026, 5, 1), date(2026, 5, 9), date(2026, 5, 11)}
    | {date(2026, 6, 12), date(2026, 11, 4), date(2026, 12, 31)}
)

WORKING_WEEKENDS: frozenset[date] = frozenset(
    {date(2024, 4, 27), date(2024, 11, 2), date(2024, 12, 28), date(2025, 11, 1)}
)
