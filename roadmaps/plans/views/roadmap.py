"""The roadmap page (every phase, milestone and task) and the actions on it."""

from __future__ import annotations

import re
from collections import Counter
from datetime import date, timedelta
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from roadmaps.calendar import services as calendar_services
from roadmaps.calendar.api import ExportThrottle
from roadmaps.milestones import selectors as milestone_selectors
from roadmaps.milestones.states import states_by_milestone
from roadmaps.milestones.views import EvidenceForm
from roadmaps.plans import selectors, services
from roadmaps.plans.api import progress_payload
from roadmaps.plans.forms import FILTERS, WINDOWS, TaskActionForm, TaskFilterForm, TaskStatusForm
from roadmaps.plans.summaries import phases_with_milestones, week_bounds
from roadmaps.plans.views.dashboard import STATUS_LABELS
from roadmaps.plans.views.task_rows import RowWriter, task_label
from roadmaps.web.helpers import learner_profile, learner_today, safe_next

CALENDAR_COLUMNS = ("uid", "legacy_calendar_uid", "calendar_revision", "updated_at")
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
    # Without the calendar's bookkeeping columns, which the page never shows: less to load a task.
    tasks = list(selectors.tasks_of_roadmap(roadmap).defer(*CALENDAR_COLUMNS))
    progress = progress_payload(roadmap, tasks, today=today, zone=profile.zone)
    overdue_ids = set(progress["overdue_tasks"])
    filter_form = TaskFilterForm(request.GET)
    valid = filter_form.is_valid()
    chosen = filter_form.cleaned_data["status"] if valid else ""
    window = (filter_form.cleaned_data["show"] or "all") if valid else "all"
    in_window = _window_test(window, today)
    in_dates = [task for task in tasks if in_window(task)]
    shown = [task for task in in_dates if _matches(task, chosen, overdue_ids)]
    # Messages about one task ("... is now done.") are shown beside it, with its milestone open.
    flashes, top_messages = _flashes_by_anchor(request)
    phases = _with_milestone_records(roadmap, tasks, phases_with_milestones(tasks, shown))
    filtered = bool(chosen) or window != "all"
    shown_anchors = _prepare_display(phases, tasks, overdue_ids, flashes, everything_open=filtered)
    # A message about a task the filter hides goes to the top of the page, as any other.
    top_messages += [message for anchor, texts in flashes.items() if anchor not in shown_anchors for message in texts]
    errors = [f"{name}: {' '.join(texts)}" for name, texts in filter_form.errors.items()]
    context = {
        "roadmap": roadmap,
        "progress": progress,
        "status_label": STATUS_LABELS[progress["status"]],
        "today": today,
        # Each status's count is of the tasks in the dates chosen.
        "filters": _filter_links(in_dates, overdue_ids, chosen, window),
        "windows": _window_links(chosen, window),
        "filter_errors": errors,
        "chosen": chosen,
        "window": window,
        "shown_count": len(shown),
        "phases": phases,
        "next_url": request.get_full_path(),
        "messages": top_messages,
    }
    status = 400 if errors else 200
    return render(request, "roadmaps/web/roadmap.html", context, status=status)


def _with_milestone_records(roadmap, tasks, phases):
    """Each milestone group gets its record (with the catalog's description and skills),
    its state from all its tasks (filters aside) and its evidence form."""
    records = milestone_selectors.records_with_catalog(roadmap)
    milestone_states = states_by_milestone(tasks)
    for phase in phases:
        for group in phase.milestones:
            group.record = records.get(group.record_id)
            group.state = milestone_states.get(group.record_id)
            group.description, group.skills = "", []
            if group.state is not None:
                group.hours_done = round(group.state.minutes_done / 60, 1)
                group.hours_total = round(group.state.minutes_total / 60, 1)
            if group.record is not None:
                initial = {"evidence_url": group.record.evidence_url, "note": group.record.note}
                group.evidence_form = EvidenceForm(initial=initial, auto_id=f"milestone-{group.record_id}-%s")
                if group.record.milestone is not None:
                    group.description = group.record.milestone.description
                    group.skills = [skill.name for skill in group.record.milestone.skills.all()]
    return phases


def _prepare_display(phases, tasks, overdue_ids: set[int], flashes: dict[str, list], *, everything_open: bool) -> set:
    """Labels, dates and hours of each shown task, worked out once here: the template only prints them.

    Open: with a filter, everything shown; else the phase and milestone holding the first unfinished
    task (the last phase when all are finished), and wherever a message about a task or milestone is.
    Answers the anchors of the tasks and milestones shown.
    """
    anchors = set()
    current = next((task for task in sorted(tasks, key=lambda t: t.sequence) if not task.is_finished), None)
    writer = RowWriter()
    for phase in phases:
        phase.done_hours = round(phase.finished_minutes / 60, 1)
        for index, group in enumerate(phase.milestones, start=1):
            group.anchor = f"milestone-{group.record_id}" if group.record_id else ""
            group.title_id = f"m{phase.order}-{index}"
            group.flash = flashes.get(group.anchor, []) if group.anchor else []
            group.open = everything_open or bool(group.flash)
            anchors.add(group.anchor)
            if group.state is None:  # no milestone record: the hours of the tasks shown, skipped ones left out
                counted = [t for t in group.tasks if t.status != "skipped"]
                group.hours_done = round(sum(t.estimated_minutes for t in counted if t.status == "done") / 60, 1)
                group.hours_total = round(sum(t.estimated_minutes for t in counted) / 60, 1)
            for task in group.tasks:
                task.label = task_label(task.title, group.title, writer.part_words)
                task.overdue = task.id in overdue_ids
                task.flash = flashes.get(f"task-{task.id}", [])
                anchors.add(f"task-{task.id}")
                if task.flash or task is current:
                    group.open = True
            group.usual_minutes = usual_minutes(group.tasks)
            group.usual_hours = writer.hours(group.usual_minutes) if group.usual_minutes else ""
            group.rows = writer.rows(group.tasks, title_id=group.title_id, usual_minutes=group.usual_minutes)
        phase.open = everything_open or any(group.open for group in phase.milestones)
    if phases and current is None and not any(phase.open for phase in phases):
        phases[-1].open = True
    return anchors


def usual_minutes(tasks) -> int | None:
    """The length most of these tasks share (the planner cuts a milestone into equal parts), if two or more do."""
    counts = Counter(task.estimated_minutes for task in tasks)
    if not counts:
        return None
    minutes, count = counts.most_common(1)[0]
    return minutes if count >= 2 else None


ANCHOR = re.compile(r"^(task|milestone)-\d+$")


def _flashes_by_anchor(request: HttpRequest) -> tuple[dict[str, list], list]:
    """This request's messages: those tagged with a task's or milestone's anchor, by anchor; and the others."""
    by_anchor: dict[str, list] = {}
    others = []
    for message in messages.get_messages(request):
        anchor = next((tag for tag in (message.extra_tags or "").split() if ANCHOR.match(tag)), None)
        if anchor:
            by_anchor.setdefault(anchor, []).append(message)
        else:
            others.append(message)
    return by_anchor, others


def _window_test(window: str, today: date):
    """Whether a task belongs to the window: a day in it, or unfinished and due before it (overdue)."""
    if window == "all":
        return lambda task: True
    monday, sunday = week_bounds(today)
    if window == "2weeks":
        sunday += timedelta(days=7)
    return lambda task: task.start_date <= sunday and (task.due_date >= monday or not task.is_finished)


def _matches(task, chosen: str, overdue_ids: set[int]) -> bool:
    if chosen == "overdue":
        return task.id in overdue_ids
    return not chosen or task.status == chosen


def _query(status: str, window: str) -> str:
    params = {key: value for key, value in (("show", window), ("status", status)) if value and value != "all"}
    return "?" + urlencode(params)


def _filter_links(tasks, overdue_ids: set[int], chosen: str, window: str) -> list[dict]:
    return [
        {
            "href": _query(value, window),
            "label": label,
            "count": sum(1 for task in tasks if _matches(task, value, overdue_ids)),
            "current": value == chosen,
        }
        for value, label in FILTERS
    ]


def _window_links(chosen: str, window: str) -> list[dict]:
    return [{"href": _query(chosen, value), "value": value, "current": value == window} for value, _label in WINDOWS]


@login_required
@require_POST
def task_action(request: HttpRequest, pk: int) -> HttpResponse:
    """The roadmap page's task buttons: one form a milestone; the pressed button names status and task."""
    roadmap = get_object_or_404(selectors.roadmaps_of(request.user), pk=pk)
    form = TaskActionForm(request.POST)
    back = reverse("roadmap-page", args=[roadmap.pk])
    if not form.is_valid():
        return render(request, "roadmaps/web/bad_request.html", {"errors": form.errors, "back_url": back}, status=400)
    task = get_object_or_404(roadmap.tasks, pk=form.cleaned_data["task_id"])
    return _mark(request, task, form.cleaned_data["status"], safe_next(request, back))


@login_required
@require_POST
def task_status(request: HttpRequest, pk: int) -> HttpResponse:
    task = get_object_or_404(selectors.tasks_of_user(request.user).select_related("roadmap"), pk=pk)
    form = TaskStatusForm(request.POST)
    back = reverse("roadmap-page", args=[task.roadmap_id])
    if not form.is_valid():
        return render(request, "roadmaps/web/bad_request.html", {"errors": form.errors, "back_url": back}, status=400)
    return _mark(request, task, form.cleaned_data["status"], safe_next(request, back))


def _mark(request: HttpRequest, task, status: str, back: str) -> HttpResponse:
    """Store the status, then back to the task's row; the message carries its anchor, and the roadmap page
    shows it there, with the milestone open."""
    services.task_mark(task=task, status=status, now=timezone.now())
    messages.success(request, DONE_MESSAGES[status] % {"title": task.title}, extra_tags=f"task-{task.id}")
    return redirect(f"{back.split('#')[0]}#task-{task.id}")


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
