"""The roadmap page (every phase, milestone and task) and the actions on it."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from roadmaps.calendar import services as calendar_services
from roadmaps.calendar.api import ExportThrottle
from roadmaps.milestones import selectors as milestone_selectors
from roadmaps.milestones.states import states_by_milestone
from roadmaps.milestones.views import EvidenceForm
from roadmaps.plans import selectors, services
from roadmaps.plans.api import progress_payload
from roadmaps.plans.forms import FILTERS, ReplanForm, TaskFilterForm, TaskStatusForm
from roadmaps.plans.summaries import phases_with_milestones
from roadmaps.plans.views.dashboard import STATUS_LABELS
from roadmaps.web.helpers import learner_profile, learner_today, safe_next

DONE_MESSAGES = {
    "done": _("“%(title)s” is now done."),
    "skipped": _("“%(title)s” is now skipped."),
    "todo": _("“%(title)s” is now to do."),
    "in_progress": _("“%(title)s” is now in progress."),
}


@login_required
def roadmap_page(request: HttpRequest, pk: int) -> HttpResponse:
    roadmap = get_object_or_404(selectors.roadmaps_of(request.user), pk=pk)
    profile = learner_profile(request)
    today = learner_today(profile)
    tasks = list(selectors.tasks_of_roadmap(roadmap))
    progress = progress_payload(roadmap, tasks, today=today, zone=profile.zone)
    overdue_ids = set(progress["overdue_tasks"])
    filter_form = TaskFilterForm(request.GET)
    chosen = filter_form.cleaned_data["status"] if filter_form.is_valid() else ""
    shown = [task for task in tasks if _matches(task, chosen, overdue_ids)]
    context = {
        "roadmap": roadmap,
        "progress": progress,
        "status_label": STATUS_LABELS[progress["status"]],
        "today": today,
        "overdue_ids": overdue_ids,
        "filters": _filter_links(tasks, overdue_ids, chosen),
        "filter_errors": filter_form.errors.get("status"),
        "chosen": chosen,
        "shown_count": len(shown),
        "phases": _with_milestone_records(roadmap, tasks, phases_with_milestones(tasks, shown)),
        "replan_form": ReplanForm.for_roadmap(roadmap),
    }
    status = 400 if context["filter_errors"] else 200
    return render(request, "roadmaps/web/roadmap.html", context, status=status)


def _with_milestone_records(roadmap, tasks, phases):
    """Each milestone group gets its record, its state from all its tasks (filters aside) and its evidence form."""
    records = milestone_selectors.records_by_id(roadmap)
    milestone_states = states_by_milestone(tasks)
    for phase in phases:
        for group in phase.milestones:
            group.record = records.get(group.record_id)
            group.state = milestone_states.get(group.record_id)
            if group.state is not None:
                group.hours_done = round(group.state.minutes_done / 60, 1)
                group.hours_total = round(group.state.minutes_total / 60, 1)
            if group.record is not None:
                initial = {"evidence_url": group.record.evidence_url, "note": group.record.note}
                group.evidence_form = EvidenceForm(initial=initial, auto_id=f"milestone-{group.record_id}-%s")
    return phases


def _matches(task, chosen: str, overdue_ids: set[int]) -> bool:
    if chosen == "overdue":
        return task.id in overdue_ids
    return not chosen or task.status == chosen


def _filter_links(tasks, overdue_ids: set[int], chosen: str) -> list[dict]:
    return [
        {
            "value": value,
            "label": label,
            "count": sum(1 for task in tasks if _matches(task, value, overdue_ids)),
            "current": value == chosen,
        }
        for value, label in FILTERS
    ]


@login_required
@require_POST
def task_status(request: HttpRequest, pk: int) -> HttpResponse:
    task = get_object_or_404(selectors.tasks_of_user(request.user).select_related("roadmap"), pk=pk)
    form = TaskStatusForm(request.POST)
    if not form.is_valid():
        context = {"errors": form.errors, "back_url": reverse("roadmap-page", args=[task.roadmap_id])}
        return render(request, "roadmaps/web/bad_request.html", context, status=400)
    status = form.cleaned_data["status"]
    services.task_mark(task=task, status=status, now=timezone.now())
    messages.success(request, DONE_MESSAGES[status] % {"title": task.title})
    default = reverse("roadmap-page", args=[task.roadmap_id])
    return redirect(f"{safe_next(request, default).split('#')[0]}#task-{task.id}")


@login_required
@require_POST
def replan(request: HttpRequest, pk: int) -> HttpResponse:
    roadmap = get_object_or_404(selectors.roadmaps_of(request.user), pk=pk)
    form = ReplanForm(request.POST)
    if not form.is_valid():
        context = {"errors": form.errors, "back_url": reverse("roadmap-page", args=[roadmap.pk])}
        return render(request, "roadmaps/web/bad_request.html", context, status=400)
    from_date = max(learner_today(learner_profile(request)), roadmap.start_date)
    back = safe_next(request, reverse("roadmap-dashboard", args=[roadmap.pk]))
    try:
        result = services.roadmap_replan(
            roadmap=roadmap,
            from_date=from_date,
            weekly_hours=form.cleaned_data["weekly_hours"],
            study_days=form.cleaned_data["study_days"],
            now=timezone.now(),
        )
    except services.PlanRejected as error:
        messages.error(request, gettext("The plan could not be moved: %(reason)s") % {"reason": error.message})
        return redirect(back)
    moved = len(result.moved_task_ids)
    messages.success(
        request,
        ngettext(
            "Re-planned from %(day)s: %(moved)d task moved; the roadmap now ends on %(end)s.",
            "Re-planned from %(day)s: %(moved)d tasks moved; the roadmap now ends on %(end)s.",
            moved,
        )
        % {
            "day": date_format(from_date, "j F Y"),
            "moved": moved,
            "end": date_format(result.roadmap.end_date, "j F Y"),
        },
    )
    return redirect(back)


@login_required
@require_POST
def export(request: HttpRequest, pk: int) -> HttpResponse:
    roadmap = get_object_or_404(selectors.roadmaps_of(request.user), pk=pk)
    back = safe_next(request, reverse("calendar-page"))
    # The API's throttle, so pages and API share one budget of e-mails per learner.
    if not ExportThrottle().allow_request(request, None):
        messages.error(request, gettext("You have asked for many e-mails in a short time; try again later."))
        return redirect(back)
    calendar_services.export_request(user=request.user, roadmap=roadmap)
    messages.success(request, gettext("The calendar file is on its way to %(email)s.") % {"email": request.user.email})
    return redirect(back)


@login_required
def delete(request: HttpRequest, pk: int) -> HttpResponse:
    roadmap = get_object_or_404(selectors.roadmaps_of(request.user), pk=pk)
    if request.method == "POST":
        services.roadmap_delete(roadmap=roadmap)
        messages.success(request, gettext("The %(role)s roadmap was deleted.") % {"role": roadmap.role.name})
        return redirect("dashboard")
    return render(request, "roadmaps/web/roadmap_delete.html", {"roadmap": roadmap})
