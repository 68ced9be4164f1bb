"""The dashboard: where the learner stands on one roadmap, at a glance.

A fixed number of queries whatever the roadmap's size: the learner's
roadmaps, their profile, and the chosen roadmap's tasks, once; everything
else is computed from those rows.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from roadmaps.milestones.states import finished_between
from roadmaps.models import Roadmap
from roadmaps.plans import selectors
from roadmaps.plans.api import progress_payload
from roadmaps.plans.summaries import phase_summaries, tasks_in_week, week_bounds
from roadmaps.web.burnup import burnup_chart
from roadmaps.web.helpers import learner_profile, learner_today

STATUS_LABELS = {"ahead": _("Ahead of plan"), "on_track": _("On track"), "behind": _("Behind plan")}


@login_required
def dashboard(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    roadmaps = list(selectors.roadmaps_of(request.user))
    if not roadmaps:
        if pk is not None:
            raise Http404("No such roadmap.")
        return render(request, "roadmaps/web/dashboard_empty.html")
    roadmap = _chosen(roadmaps, pk)
    profile = learner_profile(request)
    today = learner_today(profile)
    tasks = list(selectors.tasks_of_roadmap(roadmap))
    progress = progress_payload(roadmap, tasks, today=today, zone=profile.zone)
    overdue_ids = set(progress["overdue_tasks"])
    monday, sunday = week_bounds(today)
    week_tasks = [task for task in tasks_in_week(tasks, today) if task.id not in overdue_ids]
    context = {
        "roadmap": roadmap,
        "roadmaps": roadmaps,
        "today": today,
        "progress": progress,
        "status_label": STATUS_LABELS[progress["status"]],
        "week_start": monday,
        "week_end": sunday,
        "week_tasks": week_tasks,
        # A week without study days still shows what comes next.
        "next_tasks": [] if week_tasks else _next_tasks(tasks, after=sunday),
        "overdue_tasks": [task for task in tasks if task.id in overdue_ids],
        "phases": [(phase, phase.state(today)) for phase in phase_summaries(tasks)],
        "chart": burnup_chart(tasks, today=today, zone=profile.zone),
        "milestones_this_week": finished_between(tasks, first_day=monday, last_day=sunday, zone=profile.zone),
    }
    return render(request, "roadmaps/web/dashboard.html", context)


def _next_tasks(tasks, *, after, count: int = 3) -> list:
    return [task for task in tasks if task.start_date > after and not task.is_finished][:count]


def _chosen(roadmaps: list[Roadmap], pk: int | None) -> Roadmap:
    """The asked-for roadmap (only among the learner's own), else the newest active one."""
    if pk is not None:
        for roadmap in roadmaps:
            if roadmap.pk == pk:
                return roadmap
        raise Http404("No such roadmap.")
    active = [roadmap for roadmap in roadmaps if roadmap.status == Roadmap.Status.ACTIVE]
    return (active or roadmaps)[0]
