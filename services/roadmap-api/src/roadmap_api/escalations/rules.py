"""The escalation ladder, as pure rules.

A thread about a polyclinic or an improvement project starts with the regional centre
(``regional_centre``); it is raised to the region's ministry of health (``ministry``) and on to the
federal primary-care centre (``federal_centre``) — one level at a time, with a reason. ``level`` is
the body now holding the thread. Status: ``open`` (waiting for an answer at its level),
``answered`` (the level answered; it may still be raised further), ``resolved`` (closed).

Who acts (roles cannot tell a regional-centre employee from a ministry one, so the region's
``regional_admin`` acts for both regional levels):

* opening: ``federal``, the region's ``regional_admin``, or an ``mo_operator`` of the polyclinic (or
  of the project's organisation);
* commenting: anyone who may open it;
* raising and answering at a regional level: ``federal`` or the region's ``regional_admin``;
* answering at the federal centre: ``federal`` only;
* resolving: ``federal`` or the region's ``regional_admin``.

A resolved thread takes nothing more (409).
"""

from __future__ import annotations

from enum import StrEnum


class Level(StrEnum):
    REGIONAL_CENTRE = "regional_centre"
    MINISTRY = "ministry"
    FEDERAL_CENTRE = "federal_centre"


class Status(StrEnum):
    OPEN = "open"
    ANSWERED = "answered"
    RESOLVED = "resolved"


class Subject(StrEnum):
    POLYCLINIC = "polyclinic"
    IMPROVEMENT_PROJECT = "improvement_project"


LADDER = [Level.REGIONAL_CENTRE, Level.MINISTRY, Level.FEDERAL_CENTRE]


def next_level(level: Level) -> Level | None:
    """The level above, or None at the top."""
    index = LADDER.index(level)
    return LADDER[index + 1] if index + 1 < len(LADDER) else None
