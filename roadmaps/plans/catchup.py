"""Catch-up: three worked-out ways back onto a plan when a learner is behind.

Offered only when progress says "behind" (see ``planner.progress``); each
option is computed by the same re-plan the learner would apply, from today:

* ``extend``: keep the hours a week and re-plan; the end moves to where the
  remaining work lands.
* ``add_hours``: keep the planned end; the smallest whole hours a week (up to
  the API's 60) at which the re-plan ends on or before it, "until" that end.
  Not offered when no amount up to 60 h keeps the end.
* ``drop_optional``: skip the unfinished tasks of milestones marked optional
  and re-plan at the same hours; names those milestones and the hours saved.
  Not offered when no unfinished task is optional.

Applying an option is the same computation followed by the writes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from django.db import transaction
from django.utils.translation import gettext

from roadmaps.calendar import services as calendar_services
from roadmaps.models import Roadmap, Task
from roadmaps.models.plans import FINISHED_STATUSES, TaskStatus
from roadmaps.plans import planning, selectors, services
from roadmaps.plans.changes import ChangePreview

MAX_WEEKLY_HOURS = 60
KINDS = ("extend", "add_hours", "drop_optional")


@dataclass(frozen=True)
class CatchUpOption:
    kind: str
    summary: str
    end_date: date
    weekly_hours: int
    dropped_milestones: list[str] = field(default_factory=list)
    hours_saved: float = 0.0


@dataclass(frozen=True)
class CatchUp:
    status: str
    hours_behind: float
    options: list[CatchUpOption]


def catch_up_options(roadmap: Roadmap, *, today: date, zone) -> CatchUp:
    tasks = list(selectors.tasks_in_plan_order(roadmap).select_related("milestone"))
    progress = planning.progress_of(roadmap, tasks, today=today, zone=zone)
    behind = max(0, progress.minutes_expected - progress.minutes_done)
    if progress.status != "behind":
        return CatchUp(progress.status, round(behind / 60, 2), [])
    options = [_extend(roadmap, tasks, today)]
    add_hours = _add_hours(roadmap, tasks, today)
    if add_hours is not None:
        options.append(add_hours)
    drop = _drop_optional(roadmap, tasks, today)
    if drop is not None:
        options.append(drop)
    return CatchUp(progress.status, round(behind / 60, 2), options)


def _replan(roadmap: Roadmap, tasks: list[Task], today: date, hours: int):
    """The planner's re-plan from today at ``hours`` a week (PlanRejected when it does not fit)."""
    return services.replan_compute(
        roadmap, tasks, from_date=max(today, roadmap.start_date), weekly_hours=hours, study_days=roadmap.study_days
    )


def _replan_end(roadmap: Roadmap, tasks: list[Task], today: date, hours: int) -> date | None:
    try:
        return _replan(roadmap, tasks, today, hours).end_date
    except services.PlanRejected:
        return None


def _extend(roadmap: Roadmap, tasks: list[Task], today: date) -> CatchUpOption:
    end = _replan_end(roadmap, tasks, today, roadmap.weekly_hours) or date.max
    summary = gettext("Keep %(hours)s h a week and move the end to %(end)s.") % {
        "hours": roadmap.weekly_hours,
        "end": end.isoformat(),
    }
    return CatchUpOption("extend", summary, end, roadmap.weekly_hours)


def _add_hours(roadmap: Roadmap, tasks: list[Task], today: date) -> CatchUpOption | None:
    for hours in range(roadmap.weekly_hours + 1, MAX_WEEKLY_HOURS + 1):
        end = _replan_end(roadmap, tasks, today, hours)
        if end is not None and end <= roadmap.end_date:
            summary = gettext(
                "Study %(hours)s h a week instead of %(current)s until %(until)s to keep the end on %(end)s."
            ) % {
                "hours": hours,
                "current": roadmap.weekly_hours,
                "until": end.isoformat(),
                "end": roadmap.end_date.isoformat(),
            }
            return CatchUpOption("add_hours", summary, end, hours)
    return None


def _optional_open_tasks(tasks: list[Task]) -> list[Task]:
    return [t for t in tasks if t.status not in FINISHED_STATUSES and t.milestone and t.milestone.optional]


def _drop_optional(roadmap: Roadmap, tasks: list[Task], today: date) -> CatchUpOption | None:
    dropped = _optional_open_tasks(tasks)
    if not dropped:
        return None
    ids = {task.id for task in dropped}
    kept = [_as_skipped(task) if task.id in ids else task for task in tasks]
    end = _replan_end(roadmap, kept, today, roadmap.weekly_hours) or date.max
    slugs = list(dict.fromkeys(task.milestone.slug for task in dropped))
    saved = round(sum(task.estimated_minutes for task in dropped) / 60, 2)
    summary = gettext("Drop %(count)s optional milestone(s), saving %(saved)s h; the end moves to %(end)s.") % {
        "count": len(slugs),
        "saved": f"{saved:g}",
        "end": end.isoformat(),
    }
    return CatchUpOption("drop_optional", summary, end, roadmap.weekly_hours, slugs, saved)


def _as_skipped(task: Task) -> Task:
    copy = Task(**{f.attname: getattr(task, f.attname) for f in Task._meta.concrete_fields})
    copy.status = TaskStatus.SKIPPED
    return copy


class OptionUnavailable(Exception):
    pass


def catch_up_preview(*, roadmap: Roadmap, kind: str, today: date, zone) -> tuple[CatchUpOption, ChangePreview]:
    """What applying ``kind`` would do (OptionUnavailable unless offered now); stores nothing.

    The same re-plan ``catch_up_apply`` makes: for ``drop_optional`` the
    optional milestones' unfinished tasks count as skipped.
    """
    offered = {option.kind: option for option in catch_up_options(roadmap, today=today, zone=zone).options}
    option = offered.get(kind)
    if option is None:
        raise OptionUnavailable(kind)
    tasks = list(selectors.tasks_in_plan_order(roadmap).select_related("milestone"))
    dropped = {task.id for task in _optional_open_tasks(tasks)} if kind == "drop_optional" else set()
    kept = [_as_skipped(task) if task.id in dropped else task for task in tasks]
    result = _replan(roadmap, kept, today, option.weekly_hours)
    return option, ChangePreview(roadmap.end_date, result.end_date, len(result.moved_task_ids), len(dropped))


def catch_up_apply(*, roadmap: Roadmap, kind: str, today: date, zone, now: datetime) -> services.ReplanResult:
    """Apply the option ``kind`` if it is among the current options (OptionUnavailable otherwise)."""
    offered = {option.kind: option for option in catch_up_options(roadmap, today=today, zone=zone).options}
    option = offered.get(kind)
    if option is None:
        raise OptionUnavailable(kind)
    from_date = max(today, roadmap.start_date)
    with transaction.atomic():
        if kind == "drop_optional":
            tasks = list(selectors.tasks_in_plan_order(roadmap).select_related("milestone"))
            ids = [task.id for task in _optional_open_tasks(tasks)]
            Task.objects.filter(pk__in=ids).update(status=TaskStatus.SKIPPED, completed_at=now, updated_at=now)
            calendar_services.feed_touch(user_id=roadmap.user_id)
        return services.roadmap_replan(roadmap=roadmap, from_date=from_date, weekly_hours=option.weekly_hours, now=now)
