"""Writes to a learner's roadmaps: each function owns its transaction.

Every write that changes what a learner's calendar could show calls
``calendar_services.feed_touch`` inside its transaction: that is how the feed
knows its stored body is stale without looking at any task.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, replace
from datetime import date, datetime

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

import planner
from accounts import services as account_services
from accounts.models import Profile
from roadmaps.calendar import services as calendar_services
from roadmaps.models import Roadmap, RoadmapMilestone, Role, Task, Track
from roadmaps.models.plans import FINISHED_STATUSES
from roadmaps.plans import database_tick, planning, selectors


class PlanRejected(Exception):
    """The plan cannot be made; ``field`` names the input to change."""

    def __init__(self, field: str, message: str, required_weekly_hours: int | None = None):
        super().__init__(message)
        self.field = field
        self.message = message
        self.required_weekly_hours = required_weekly_hours


@dataclass(frozen=True)
class PlanInputs:
    role: Role
    track: Track
    start_date: date
    weekly_hours: int
    study_days: list[int]
    known_skills: list[str]
    target_weeks: int | None = None
    blocked_dates: tuple[date, ...] = ()
    buffer_weeks: int = 0
    drop_milestones: tuple[str, ...] = ()  # slugs of optional milestones left out

    def as_body(self) -> dict:
        """The create (and preview) request body that gives these inputs."""
        body = {
            "role": self.role.slug,
            "track": self.track.slug,
            "start_date": self.start_date.isoformat(),
            "weekly_hours": self.weekly_hours,
            "study_days": sorted(self.study_days),
            "known_skills": sorted(self.known_skills),
            "blocked_dates": [day.isoformat() for day in sorted(self.blocked_dates)],
            "buffer_weeks": self.buffer_weeks,
        }
        if self.target_weeks is not None:
            body["target_weeks"] = self.target_weeks
        if self.drop_milestones:
            body["drop_milestones"] = list(self.drop_milestones)
        return body


def plan_preview(inputs: PlanInputs) -> planner.Plan:
    """The dated plan these inputs give, without storing anything."""
    request = planner.PlanRequest(
        track=planning.track_spec(inputs.track, frozenset(inputs.drop_milestones)),
        start_date=inputs.start_date,
        weekly_minutes=inputs.weekly_hours * 60,
        study_days=frozenset(inputs.study_days),
        known_skills=frozenset(inputs.known_skills),
        target_weeks=inputs.target_weeks,
        blocked_dates=frozenset(inputs.blocked_dates),
        buffer_weeks=inputs.buffer_weeks,
    )
    try:
        plan = planner.build_plan(request)
    except planner.PlanDoesNotFit as error:
        hours = -(-error.required_weekly_minutes // 60) if error.required_weekly_minutes else None
        raise PlanRejected(error.field, error.message, hours) from error
    if not plan.tasks:
        message = "You already know every skill this track teaches: no task would be left. Pick fewer known skills."
        raise PlanRejected("known_skills", message)
    return plan


MAX_TARGET_WEEKS = 520
MAX_WEEKLY_HOURS_FIX = 60  # what the API accepts as weekly_hours
_TARGET_TRIES = 26  # after the unconstrained length: windows may need a little more


def plan_fixes(inputs: PlanInputs, error: PlanRejected) -> list[PlanInputs]:
    """Complete alternatives to ``inputs`` that fit, each checked by previewing it.

    In order: the smallest weekly hours that fit; the smallest target (weeks)
    that fits at the learner's hours (when a target was set); the same plan
    without the track's optional milestones.
    """
    candidates: list[PlanInputs] = []
    if error.required_weekly_hours and error.required_weekly_hours <= MAX_WEEKLY_HOURS_FIX:
        candidates.append(replace(inputs, weekly_hours=error.required_weekly_hours))
    if inputs.target_weeks is not None:
        target = _fitting_target_weeks(inputs)
        if target is not None:
            candidates.append(replace(inputs, target_weeks=target))
    optional = [slug for slug in planning.optional_milestone_slugs(inputs.track) if slug not in inputs.drop_milestones]
    if optional:
        candidates.append(replace(inputs, drop_milestones=(*inputs.drop_milestones, *optional)))
    return [candidate for candidate in candidates if _fits(candidate)]


def fitting_defaults(inputs: PlanInputs) -> PlanInputs:
    """``inputs`` with a target that fits: the track's usual length when it does,
    else the smallest target that fits at these hours, else no target at all."""
    if _fits(inputs):
        return inputs
    target = _fitting_target_weeks(inputs) if inputs.target_weeks is not None else None
    if target is not None:
        return replace(inputs, target_weeks=target)
    return replace(inputs, target_weeks=None)


def _fits(inputs: PlanInputs) -> bool:
    try:
        plan_preview(inputs)
    except PlanRejected:
        return False
    return True


def _fitting_target_weeks(inputs: PlanInputs) -> int | None:
    try:
        free = plan_preview(replace(inputs, target_weeks=None))
    except PlanRejected:
        return None
    weeks = max(1, -(-((free.end_date - inputs.start_date).days + 1) // 7))
    for target in range(max(weeks, (inputs.target_weeks or 0) + 1), min(MAX_TARGET_WEEKS, weeks + _TARGET_TRIES) + 1):
        if _fits(replace(inputs, target_weeks=target)):
            return target
    return None


def roadmap_create(*, user, inputs: PlanInputs) -> Roadmap:
    """Store the roadmap and all its dated tasks, or nothing."""
    plan = plan_preview(inputs)
    with transaction.atomic():
        roadmap = Roadmap.objects.create(
            user=user,
            role=inputs.role,
            track=inputs.track,
            start_date=inputs.start_date,
            end_date=plan.end_date,
            weekly_hours=inputs.weekly_hours,
            target_weeks=inputs.target_weeks,
            study_days=sorted(inputs.study_days),
            known_skills=sorted(inputs.known_skills),
            blocked_dates=[day.isoformat() for day in sorted(inputs.blocked_dates)],
            buffer_weeks=inputs.buffer_weeks,
        )
        milestones = planning.milestones_by_slug(inputs.track)
        tasks = planning.tasks_from_plan(roadmap, plan, milestones)
        RoadmapMilestone.objects.create_for_tasks(roadmap=roadmap, tasks=tasks)
        Task.objects.bulk_create(tasks)
        calendar_services.feed_touch(user_id=user.pk)
    return roadmap


def roadmap_delete(*, roadmap: Roadmap) -> None:
    with transaction.atomic():
        roadmap.delete()
        calendar_services.feed_touch(user_id=roadmap.user_id)


def task_mark(*, task: Task, status: str, now: datetime) -> Task:
    """Set a task's status; finishing the last task completes the roadmap.

    The roadmap row is locked first, so of concurrent ticks the last to commit
    sees every other one and always sets the status right (no lost "completed").
    """
    if database_tick.available():
        ticked = _tick_in_database(task_id=task.pk, user_id=task.roadmap.user_id, status=status, now=now)
        for name in ("status", "completed_at", "updated_at"):
            setattr(task, name, getattr(ticked.task, name))
        task.roadmap.status = ticked.roadmap_status
        return task
    with transaction.atomic():
        roadmap = Roadmap.objects.select_for_update().get(pk=task.roadmap_id)
        task.roadmap = roadmap
        _mark_locked(task, status, now)
    return task


def task_mark_of_user(*, user, task_id: int, status: str, now: datetime) -> Task:
    """``task_mark`` for the API's tick, given the task's id: the learner's task is read
    with its roadmap row locked in one query (Task.DoesNotExist for anyone else's task)."""
    if database_tick.available():
        return _tick_in_database(task_id=task_id, user_id=user.pk, status=status, now=now).task
    with transaction.atomic():
        task = selectors.task_of_user_for_update(user, task_id)
        _mark_locked(task, status, now)
    return task


def _tick_in_database(*, task_id: int, user_id: int, status: str, now: datetime) -> database_tick.Ticked:
    """The statements of ``_mark_locked`` in one call (PostgreSQL); the feed's cached entry
    is dropped as ``feed_touch`` drops it. Task.DoesNotExist for anyone else's task."""
    ticked = database_tick.tick(task_id=task_id, user_id=user_id, status=status, now=now)
    if ticked is None:
        raise Task.DoesNotExist(f"No task {task_id} of user {user_id}")
    for digest in ticked.feed_digests:
        calendar_services.forget_feed_entry(digest)
    return ticked


def _mark_locked(task: Task, status: str, now: datetime) -> None:
    """Expects ``task.roadmap`` loaded and its row locked by the caller's transaction."""
    task.status = status
    task.completed_at = (task.completed_at or now) if status in FINISHED_STATUSES else None
    task.updated_at = timezone.now()  # as ``auto_now`` would
    _write_task_status(task)
    # A task left unfinished is itself the proof that the roadmap is unfinished: no query.
    _sync_roadmap_status(task.roadmap, unfinished=True if status not in FINISHED_STATUSES else None)
    calendar_services.feed_touch(user_id=task.roadmap.user_id)


def _write_task_status(task: Task) -> None:
    """``task.save(update_fields=...)`` for the three columns a tick changes, in SQL written
    once per process: every tick runs it, and the ORM compiling it cost more than the UPDATE."""
    fields = [Task._meta.get_field(name) for name in TASK_STATUS_COLUMNS]
    values = [field.get_db_prep_save(getattr(task, field.attname), connection) for field in fields]
    with connection.cursor() as cursor:
        cursor.execute(_task_status_sql(), [*values, task.pk])


TASK_STATUS_COLUMNS = ("status", "completed_at", "updated_at")


@functools.cache
def _task_status_sql() -> str:
    quote = connection.ops.quote_name
    assignments = ", ".join(f"{quote(Task._meta.get_field(name).column)} = %s" for name in TASK_STATUS_COLUMNS)
    return f"UPDATE {quote(Task._meta.db_table)} SET {assignments} WHERE {quote(Task._meta.pk.column)} = %s"


def _sync_roadmap_status(roadmap: Roadmap, *, unfinished: bool | None = None) -> None:
    """Expects the roadmap row locked by the caller's transaction.

    ``unfinished``: True when the caller knows a task is left unfinished; None asks the database.
    """
    if unfinished is None:
        unfinished = selectors.has_unfinished_tasks(roadmap.pk)
    wanted = Roadmap.Status.ACTIVE if unfinished else Roadmap.Status.COMPLETED
    if roadmap.status != Roadmap.Status.ARCHIVED and roadmap.status != wanted:
        roadmap.status = wanted
        roadmap.save(update_fields=["status", "updated_at"])


@dataclass(frozen=True)
class ReplanResult:
    roadmap: Roadmap
    moved_task_ids: tuple[int, ...]
    end_date_before: date
    end_date_after: date
    written: bool  # False for a preview, and for a re-plan that changed nothing


def replan_compute(
    roadmap: Roadmap, tasks: list[Task], *, from_date: date, weekly_hours: int, study_days: list[int]
) -> planner.Replan:
    """The planner's re-plan of these tasks with these settings; no write."""
    try:
        return planner.replan(
            planning.scheduled_tasks(tasks),
            from_date=from_date,
            weekly_minutes=weekly_hours * 60,
            study_days=frozenset(study_days),
            blocked_dates=frozenset(date.fromisoformat(d) for d in roadmap.blocked_dates),
            buffer_weeks=roadmap.buffer_weeks,
        )
    except planner.PlanDoesNotFit as error:
        raise PlanRejected(error.field, error.message) from error


def roadmap_replan(
    *,
    roadmap: Roadmap,
    from_date: date,
    weekly_hours: int | None = None,
    study_days: list[int] | None = None,
    now: datetime,
    preview: bool = False,
) -> ReplanResult:
    """Move every unfinished task to start on or after ``from_date``, in order.

    With ``preview`` nothing is written. A re-plan that moves no task and
    changes no setting writes nothing either (not even ``updated_at``).
    """
    with transaction.atomic():
        locked = Roadmap.objects.select_for_update().get(pk=roadmap.pk)
        hours = locked.weekly_hours if weekly_hours is None else weekly_hours
        days = locked.study_days if study_days is None else sorted(set(study_days))
        tasks = list(selectors.tasks_in_plan_order(locked))
        result = replan_compute(locked, tasks, from_date=from_date, weekly_hours=hours, study_days=days)
        before = locked.end_date
        unchanged = (
            not result.moved_task_ids
            and result.end_date == before
            and (hours, days) == (locked.weekly_hours, locked.study_days)
        )
        written = not (preview or unchanged)
        if written:
            _apply_moves(tasks, result, now)
            locked.weekly_hours, locked.study_days, locked.end_date = hours, days, result.end_date
            if result.moved_task_ids:
                # Tasks finished before now were packed in an older pass (see planner.sessions).
                locked.replanned_at = now
            locked.save()
            calendar_services.feed_touch(user_id=locked.user_id)
    return ReplanResult(locked, result.moved_task_ids, before, result.end_date, written)


def _apply_moves(tasks: list[Task], result: planner.Replan, now: datetime) -> None:
    moved = set(result.moved_task_ids)
    by_id = {task.id: task for task in tasks}
    changed = []
    for move in result.tasks:
        if move.task_id not in moved:
            continue
        task = by_id[move.task_id]
        task.start_date, task.due_date = move.start_date, move.due_date
        task.calendar_revision = F("calendar_revision") + 1
        task.updated_at = now
        changed.append(task)
    if changed:
        # One UPDATE for all moved tasks, whatever their number.
        fields = ["start_date", "due_date", "calendar_revision", "updated_at"]
        Task.objects.bulk_update(changed, fields, batch_size=len(changed))


def profile_of(user) -> Profile:
    return account_services.profile_get_or_create(user)
