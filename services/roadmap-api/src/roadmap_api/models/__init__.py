"""roadmap-api's ORM: its own ``Base`` and metadata; no other service reads these tables."""

from roadmap_api.models.audit import AuditEntry
from roadmap_api.models.base import Base
from roadmap_api.models.catalogue import (
    BestPractice,
    LifeSituation,
    LifeSituationInstitution,
    SelfAssessment,
    SelfAssessmentMeasurement,
)
from roadmap_api.models.centres import CentreMember, CentreNotice, RegionalCentre
from roadmap_api.models.escalations import Escalation, EscalationEvent
from roadmap_api.models.followups import Followup
from roadmap_api.models.improvements import (
    ImprovementComment,
    ImprovementMetric,
    ImprovementProject,
    ImprovementStage,
)
from roadmap_api.models.programmes import (
    ActivityProgress,
    DeclaredTotal,
    FinancingLine,
    Programme,
    ProgrammeItem,
    ProgrammeVolume,
)
from roadmap_api.models.roadmaps import JournalEntry, Measure, Roadmap, RoadmapKpi, Task, TaskComment
from roadmap_api.models.sessions import (
    BallotPoints,
    Participant,
    ParticipantEvaluation,
    SessionBallot,
    SessionProject,
    SessionSection,
    SessionToken,
    StrategicSession,
    WorkingGroup,
)
from roadmap_api.models.versions import PlanTask, RoadmapVersion, TaskReport
from roadmap_api.models.webhooks import WEBHOOKS

__all__ = [
    "WEBHOOKS",
    "ActivityProgress",
    "AuditEntry",
    "BallotPoints",
    "Base",
    "BestPractice",
    "CentreMember",
    "CentreNotice",
    "DeclaredTotal",
    "Escalation",
    "EscalationEvent",
    "FinancingLine",
    "Followup",
    "ImprovementComment",
    "ImprovementMetric",
    "ImprovementProject",
    "ImprovementStage",
    "JournalEntry",
    "LifeSituation",
    "LifeSituationInstitution",
    "Measure",
    "Participant",
    "ParticipantEvaluation",
    "PlanTask",
    "Programme",
    "ProgrammeItem",
    "ProgrammeVolume",
    "RegionalCentre",
    "Roadmap",
    "RoadmapKpi",
    "RoadmapVersion",
    "SelfAssessment",
    "SelfAssessmentMeasurement",
    "SessionBallot",
    "SessionProject",
    "SessionSection",
    "SessionToken",
    "StrategicSession",
    "Task",
    "TaskComment",
    "TaskReport",
    "WorkingGroup",
]
