"""The dashboard: where the learner stands on one roadmap, and what to do next.

A fixed number of queries whatever the roadmap's size: the learner's
roadmaps, their profile, the chosen roadmap's tasks, today's study sessions
(two, see ``sessions.study_sessions``) and, when the learner is behind, the
catch-up options (one); everything else is computed from those rows.
A second view of the same page, until something on it changes, is served
from the cache (``roadmaps.web.page_cache``).
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from roadmaps.milestones.states import finished_between
from roadmaps.models import Roadmap
from roadmaps.plans import catchup, selectors
from roadmaps.plans.api import progress_payload
from roadmaps.plans.sessions import study_sessions
from roadmaps.plans.summaries import phase_summaries, tasks_in_week, week_bounds
from roadmaps.web.burnup import burnup_chart
from roadmaps.web.helpers import learner_profile, learner_today
from roadmaps.web.page_cache import cached_learner_page

STATUS_LABELS = {"ahead": _("Ahead of plan"), "on_track": _("On track"), "behind": _("Behind plan")}
NEXT_TASKS = 3


@login_required
@cached_learner_page
def dashboard(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    roadmaps = list(selectors.roadmaps_of(request.user))
    if not roadmaps:
        if pk is not None:
            raise Http404("No such roadmap.")
        return render(request, "roadmaps/web/dashboard_empty.html")
    profile = learner_profile(request)
    today = learner_today(profile)
    roadmap = _chosen(roadmaps, pk, today)
    tasks = list(selectors.tasks_of_roadmap(roadmap))
    progress = progress_payload(roadmap, tasks, today=today, zone=profile.zone)
    overdue_ids = set(progress["overdue_tasks"])
    monday, sunday = week_bounds(today)
    week_tasks = [task for task in tasks_in_week(tasks, today) if task.id not in overdue_ids]
    sessions = _today_sessions(request.user, roadmap, tasks, today)
    open_sessions = [(session, task) for session, task in sessions if not task.is_finished]
    context = {
        "roadmap": roadmap,
        "roadmaps": _active_first(roadmaps),
        "today": today,
        "progress": progress,
        "status_label": STATUS_LABELS[progress["status"]],
        "week_start": monday,
        "week_end": sunday,
        "week_tasks": week_tasks,
        "sessions": sessions,
        # The next action: today's open sessions, else the next unfinished tasks.
        "next_tasks": [] if open_sessions else _next_tasks(tasks),
        "all_finished": all(task.is_finished for task in tasks),
        "catch_up": _catch_up(roadmap, progress, today, profile.zone),
        "overdue_tasks": [task for task in tasks if task.id in overdue_ids],
        "phases": [(phase, phase.state(today)) for phase in phase_summaries(tasks)],
        "chart": burnup_chart(tasks, today=today, zone=profile.zone),
        "milestones_this_week": finished_between(tasks, first_day=monday, last_day=sunday, zone=profile.zone),
    }
    return render(request, "roadmaps/web/dashboard.html", context)


def _today_sessions(user, roadmap: Roadmap, tasks: list, today) -> list[tuple]:
    """Today's sessions of ``roadmap`` with their tasks; times agree with the calendar (all active roadmaps)."""
    shown = selectors.roadmaps_of(user).filter(Q(status=Roadmap.Status.ACTIVE) | Q(pk=roadmap.pk))
    by_id = {task.id: task for task in tasks}
    return [
        (session, by_id[session.task_id])
        for session in study_sessions(shown, today, today)
        if session.roadmap_id == roadmap.pk and session.task_id in by_id
    ]


def _catch_up(roadmap: Roadmap, progress: dict, today, zone):
    """The ways back onto the plan, worked out only when the learner is behind (one query)."""
    if progress["status"] != "behind":
        return None
    return catchup.catch_up_options(roadmap, today=today, zone=zone)


def _next_tasks(tasks: list, *, count: int = NEXT_TASKS) -> list:
    """The first unfinished tasks in date order: never only finished ones."""
    return [task for task in tasks if not task.is_finished][:count]


def _active_first(roadmaps: list[Roadmap]) -> list[Roadmap]:
    return sorted(roadmaps, key=lambda roadmap: roadmap.status != Roadmap.Status.ACTIVE)


def _chosen(roadmaps: list[Roadmap], pk: int | None, today) -> Roadmap:
    """The asked-for roadmap (only among the learner's own); else the newest active one already
    started, else the newest active one, else the newest."""
    if pk is not None:
        for roadmap in roadmaps:
            if roadmap.pk == pk:
                return roadmap
        raise Http404("No such roadmap.")
    active = [roadmap for roadmap in roadmaps if roadmap.status == Roadmap.Status.ACTIVE]
    started = [roadmap for roadmap in active if roadmap.start_date <= today]
    return (started or active or roadmaps)[0]
