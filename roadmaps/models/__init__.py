from .calendar import CalendarEventRevision, CalendarExport, CalendarFeed
from .catalog import CatalogRevision, Milestone, MilestoneKind, Phase, Role, RoleLevel, Skill, Track
from .milestones import RoadmapMilestone
from .nudges import NudgeDelivery
from .plans import Roadmap, Task
from .portfolio import Portfolio

__all__ = [
    "CalendarEventRevision",
    "CalendarExport",
    "CalendarFeed",
    "CatalogRevision",
    "Milestone",
    "MilestoneKind",
    "NudgeDelivery",
    "Phase",
    "Portfolio",
    "Role",
    "RoleLevel",
    "Roadmap",
    "RoadmapMilestone",
    "Skill",
    "Task",
    "Track",
]
