"""Study sessions of learners' roadmaps: which task to study on which day, when, for how long.

Derived on read, not stored. A roadmap's tasks already carry everything the
sessions follow from (dates, minutes, plan order, status) and the roadmap
carries the learner's week, so ``planner.plan_sessions`` recomputes them in
one pass. Storing them would add a write for every task on every create,
re-plan and tick, and a second copy of the plan that could disagree with the
first; deriving them costs two queries whatever the number of roadmaps or
tasks, and sessions are always consistent with the tasks.

Times: a day's first session starts at the profile's ``study_time`` on the
learner's wall clock, the next one when it ends, and so on. Sessions of all
the roadmaps passed in on one day follow each other (roadmaps by id), so pass
all of a learner's active roadmaps when times must agree across views. A
wall-clock time skipped by a daylight-saving change starts just after the gap
(PEP 495, fold=0).

Public: ``study_sessions`` (the one selector) and ``StudySession``.
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Prefetch, QuerySet

from accounts.models import DEFAULT_STUDY_TIME
from planner.sessions import SessionTask, plan_sessions
from roadmaps.models import Roadmap, Task
from roadmaps.models.plans import FINISHED_STATUSES


@dataclass(frozen=True)
class StudySession:
    id: str  # "<task id>-<YYYYMMDD>": stable while the task keeps that day
    date: date  # the learner's local date
    start: datetime  # aware, in the learner's zone
    end: datetime  # aware, in the learner's zone
    minutes: int
    task_id: int
    task_uid: str  # the task's calendar UID (never changes)
    title: str
    status: str  # the task's status
    roadmap_id: int


def study_sessions(roadmaps: QuerySet[Roadmap] | Iterable[int], date_from: date, date_to: date) -> list[StudySession]:
    """Sessions of ``roadmaps`` with ``date_from <= date <= date_to``, in time order.

    ``roadmaps`` is a queryset of roadmaps (e.g. ``roadmaps_of(user)``) or an
    iterable of roadmap ids; it is not checked for ownership: filter it first.
    Always two queries (roadmaps with their owner's profile, then their
    tasks), whatever the number of roadmaps, tasks or days.
    """
    sessions: list[StudySession] = []
    clock = _DayClock()
    for roadmap in _load(roadmaps):
        sessions.extend(_sessions_of(roadmap, date_from, date_to, clock))
    sessions.sort(key=lambda s: (s.start, s.roadmap_id))
    return sessions


def _load(roadmaps) -> list[Roadmap]:
    if isinstance(roadmaps, QuerySet):
        queryset = Roadmap.objects.filter(pk__in=roadmaps.values("pk"))
    else:
        queryset = Roadmap.objects.filter(pk__in=list(roadmaps))
    tasks = Task.objects.order_by("sequence").only(
        "id",
        "roadmap_id",
        "sequence",
        "title",
        "estimated_minutes",
        "start_date",
        "due_date",
        "status",
        "completed_at",
        "uid",
    )
    queryset = queryset.select_related("user__profile").prefetch_related(Prefetch("tasks", queryset=tasks))
    return sorted(queryset, key=lambda roadmap: roadmap.pk)


def _profile_settings(roadmap: Roadmap) -> tuple[zoneinfo.ZoneInfo, time]:
    try:
        profile = roadmap.user.profile
    except ObjectDoesNotExist:  # a profile is made on first use; until then the defaults hold
        return zoneinfo.ZoneInfo("UTC"), DEFAULT_STUDY_TIME
    return profile.zone, profile.study_time


class _DayClock:
    """Hands out start times: each learner's day from ``study_time`` on, one session after another."""

    def __init__(self):
        self._next: dict[tuple[int, date], datetime] = {}

    def book(self, user_id: int, day: date, minutes: int, zone: zoneinfo.ZoneInfo, study_time: time):
        start = self._next.get((user_id, day)) or _wall_clock(day, study_time, zone)
        end = (start.astimezone(UTC) + timedelta(minutes=minutes)).astimezone(zone)
        self._next[(user_id, day)] = end
        return start, end


def _sessions_of(roadmap: Roadmap, date_from: date, date_to: date, clock: _DayClock) -> list[StudySession]:
    zone, study_time = _profile_settings(roadmap)
    tasks = {task.id: task for task in roadmap.tasks.all()}
    planned = plan_sessions(
        [_session_task(task, roadmap, zone) for task in tasks.values()],
        weekly_minutes=roadmap.weekly_hours * 60,
        study_days=frozenset(roadmap.study_days),
        blocked_dates=frozenset(date.fromisoformat(day) for day in roadmap.blocked_dates),
    )
    result = []
    for session in planned:
        if not date_from <= session.date <= date_to:
            continue
        task = tasks[session.task_id]
        start, end = clock.book(roadmap.user_id, session.date, session.minutes, zone, study_time)
        result.append(
            StudySession(
                id=f"{task.id}-{session.date:%Y%m%d}",
                date=session.date,
                start=start,
                end=end,
                minutes=session.minutes,
                task_id=task.id,
                task_uid=str(task.uid),
                title=task.title,
                status=task.status,
                roadmap_id=roadmap.pk,
            )
        )
    return result


def _session_task(task: Task, roadmap: Roadmap, zone: zoneinfo.ZoneInfo) -> SessionTask:
    finished_on = None
    if task.status in FINISHED_STATUSES:
        finished_on = task.completed_at.astimezone(zone).date() if task.completed_at else task.start_date
    # Finished before the last re-plan that moved tasks: packed in an older pass.
    older = bool(roadmap.replanned_at and task.completed_at and task.completed_at < roadmap.replanned_at)
    return SessionTask(
        task_id=task.id,
        sequence=task.sequence,
        estimated_minutes=task.estimated_minutes,
        start_date=task.start_date,
        due_date=task.due_date,
        finished_on=finished_on,
        group=0 if older else 1,
    )


def _wall_clock(day: date, at: time, zone: zoneinfo.ZoneInfo) -> datetime:
    # Through UTC so a time in a DST gap comes out as a real instant with the right offset.
    return datetime.combine(day, at, tzinfo=zone).astimezone(UTC).astimezone(zone)
