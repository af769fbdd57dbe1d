"""Reporting calendar: deadlines per periodicity, working days, region time zones.

Named ``reporting_calendar`` rather than ``calendar``: a package called ``calendar`` shadows the
standard library module for any tool that puts ``kpi_api/`` itself on ``sys.path`` (running a file
as a script, some test or type-checker set-ups), and ``from kpi_api import calendar`` would read as
the stdlib module at every call site. The longer name costs nothing and removes the doubt.
"""

from kpi_api.reporting_calendar.rules import (
    DEFAULT_RULES,
    RUSSIA,
    DayCalendar,
    DeadlineRule,
    InvalidTimezone,
    ProductionCalendar,
    WorkCalendar,
    add_months,
    add_working_days,
    deadline_for,
    deadline_instant,
    is_late,
    is_valid_timezone,
    next_working_day,
    zone,
)
from zdrav_shared.production_calendar import non_working_days, working_weekends

__all__ = [
    "DEFAULT_RULES",
    "RUSSIA",
    "DayCalendar",
    "DeadlineRule",
    "InvalidTimezone",
    "ProductionCalendar",
    "WorkCalendar",
    "add_months",
    "add_working_days",
    "deadline_for",
    "deadline_instant",
    "is_late",
    "is_valid_timezone",
    "next_working_day",
    "non_working_days",
    "working_weekends",
    "zone",
]
