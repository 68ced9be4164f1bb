"""The scheduling core of the roadmap planner: pure Python, no Django, no I/O, no clock.

Dataclasses in, dataclasses out; every function is deterministic and takes
"today" (or the start date) as a parameter.
"""

from planner.model import (
    MAX_BUFFER_WEEKS,
    Buffer,
    MilestoneSpec,
    PhaseSpec,
    Plan,
    PlanDoesNotFit,
    PlannedTask,
    PlanRequest,
    SkippedMilestone,
    TrackSpec,
)
from planner.progress import Progress, TaskState, compute_progress
from planner.replanning import Replan, ScheduledTask, TaskMove, replan
from planner.scheduling import build_plan
from planner.sessions import Session, SessionTask, plan_sessions

__all__ = [
    "MAX_BUFFER_WEEKS",
    "Buffer",
    "Session",
    "SessionTask",
    "plan_sessions",
    "MilestoneSpec",
    "PhaseSpec",
    "Plan",
    "PlanDoesNotFit",
    "PlanRequest",
    "PlannedTask",
    "Progress",
    "Replan",
    "ScheduledTask",
    "SkippedMilestone",
    "TaskMove",
    "TaskState",
    "TrackSpec",
    "build_plan",
    "compute_progress",
    "replan",
]
