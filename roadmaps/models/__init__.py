from .calendar import CalendarEventRevision, CalendarExport, CalendarFeed
from .catalog import CatalogRevision, Milestone, MilestoneKind, Phase, Role, RoleLevel, Skill, Track
from .nudges import NudgeDelivery
from .plans import Roadmap, Task

__all__ = [
    "CalendarEventRevision",
    "CalendarExport",
    "CalendarFeed",
    "CatalogRevision",
    "Milestone",
    "MilestoneKind",
    "NudgeDelivery",
    "Phase",
    "Role",
    "RoleLevel",
    "Roadmap",
    "Skill",
    "Task",
    "Track",
]
