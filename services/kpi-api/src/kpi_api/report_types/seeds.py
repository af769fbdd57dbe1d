"""The federal centre's reporting obligations: always present (inserted by the migration and, if
absent, at every start), owned by the federation (``RU``).

Sources: the federal primary-care centre's slides (monthly report from the 1st to the 5th of the
next month; quarterly results by the 5th of the month after the quarter; information-support report
by the 20th — the slides give the day only, monthly is assumed; a change of the regional centre's
composition within 3 working days), the regional programmes (by the 10th of the month after the
quarter) and the NSI model (``nsi_health_model.json``: the roadmap analysis report within two months
of the end of the roll-out). Calendar-day deadlines roll forward over days off (Civil Code art. 193).
"""

from __future__ import annotations

from typing import Any

FEDERAL_REPORT_TYPES: tuple[dict[str, Any], ...] = (
    {
        "code": "federal_monthly",
        "name_ru": "Ежемесячный отчёт в федеральный центр ПМСП",
        "rule": "day_of_next_period",
        "day": 5,
        "months_after": 1,
        "periodicity": "month",
        "roll_forward": True,
    },
    {
        "code": "federal_quarterly_results",
        "name_ru": "Отчёт о достигнутых результатах за квартал (федеральный центр ПМСП)",
        "rule": "day_of_next_period",
        "day": 5,
        "months_after": 1,
        "periodicity": "quarter",
        "roll_forward": True,
    },
    {
        "code": "federal_information_support",
        "name_ru": "Отчёт об информационном сопровождении",
        "rule": "day_of_next_period",
        "day": 20,
        "months_after": 1,
        "periodicity": "month",
        "roll_forward": True,
    },
    {
        "code": "regional_centre_change",
        "name_ru": "Уведомление об изменении состава регионального центра ПМСП",
        "rule": "working_days_after_event",
        "days": 3,
    },
    {
        "code": "regional_programme_quarterly",
        "name_ru": "Отчёт о реализации региональной программы",
        "rule": "day_of_next_period",
        "day": 10,
        "months_after": 1,
        "periodicity": "quarter",
        "roll_forward": True,
    },
    {
        "code": "nsi_roadmap_analysis",
        "name_ru": "Отчёт с результатами анализа внедрения дорожной карты (НСИ)",
        "rule": "months_after_event",
        "months": 2,
        "roll_forward": True,
    },
)
"""Rows of ``report_types`` (owner RU, expected from regions); the migration holds a frozen copy."""
