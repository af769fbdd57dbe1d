"""roadmap-api's ORM: its own ``Base`` and metadata; no other service reads these tables."""

from roadmap_api.models.base import Base
from roadmap_api.models.improvements import ImprovementMetric, ImprovementProject, ImprovementStage
from roadmap_api.models.programmes import DeclaredTotal, FinancingLine, Programme, ProgrammeItem
from roadmap_api.models.roadmaps import JournalEntry, Measure, Roadmap, RoadmapKpi, Task, TaskComment
from roadmap_api.models.sessions import (
    BallotPoints,
    Participant,
    ParticipantEvaluation,
    SessionBallot,
    SessionProject,
    SessionSection,
    StrategicSession,
    WorkingGroup,
)
from roadmap_api.models.versions import PlanTask, RoadmapVersion, TaskReport

__all__ = [
    "BallotPoints",
    "Base",
    "DeclaredTotal",
    "FinancingLine",
    "ImprovementMetric",
    "ImprovementProject",
    "ImprovementStage",
    "JournalEntry",
    "Measure",
    "Participant",
    "ParticipantEvaluation",
    "PlanTask",
    "Programme",
    "ProgrammeItem",
    "Roadmap",
    "RoadmapKpi",
    "RoadmapVersion",
    "SessionBallot",
    "SessionProject",
    "SessionSection",
    "StrategicSession",
    "Task",
    "TaskComment",
    "TaskReport",
    "WorkingGroup",
]
