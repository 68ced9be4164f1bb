"""Pages that change a roadmap's dates, each previewed before it is applied.

The pace page (hours a week and study days), the re-plan page (the same pace,
from today) and the catch-up page (one of the ways back onto the plan). Each
shows the end date before and after and how many tasks move, from the same
services that then apply the change; errors stay on the page beside the
field, with the planner's fixes as one-click buttons.
"""

from __future__ import annotations

from datetime import date
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext, ngettext
from django.views.decorators.http import require_http_methods

from roadmaps.plans import catchup, changes, selectors, services
from roadmaps.plans.forms import CatchUpChoiceForm, PaceForm, ReplanForm
from roadmaps.web.helpers import learner_profile, learner_today, safe_next


def _roadmap(request: HttpRequest, pk: int):
    return get_object_or_404(selectors.roadmaps_of(request.user), pk=pk)


def _from_date(request: HttpRequest, roadmap):
    return max(learner_today(learner_profile(request)), roadmap.start_date)


def _applied(request: HttpRequest, result: services.ReplanResult, from_date) -> None:
    moved = len(result.moved_task_ids)
    messages.success(
        request,
        ngettext(
            "Re-planned from %(start)s: %(count)d task moved; the roadmap now ends on %(end)s.",
            "Re-planned from %(start)s: %(count)d tasks moved; the roadmap now ends on %(end)s.",
            moved,
        )
        % {
            "start": date_format(from_date, "j F Y"),
            "count": moved,
            "end": date_format(result.roadmap.end_date, "j F Y"),
        },
    )


# --- Pace ---------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def pace_page(request: HttpRequest, pk: int) -> HttpResponse:
    """GET with the fields: the preview (nothing stored); POST: apply.

    When the previewed end moves by more than ``changes.FAR_MONTHS`` months,
    the page also offers the hours a week that keep the current end date
    (found by the planner's own re-plan), as a link to that pace's preview.
    """
    roadmap = _roadmap(request, pk)
    today = learner_today(learner_profile(request))
    data = request.POST if request.method == "POST" else (request.GET if "weekly_hours" in request.GET else None)
    form = (
        PaceForm(data, roadmap=roadmap, today=today) if data is not None else PaceForm.for_roadmap(roadmap, today=today)
    )
    context = {"roadmap": roadmap, "form": form, "preview": None, "fixes": [], "keep_end": None}
    if data is None:
        return render(request, "roadmaps/web/pace.html", context)
    if form.is_valid():
        hours, days = form.cleaned_data["weekly_hours"], form.cleaned_data["study_days"]
        from_date = form.cleaned_data["from_date"]
        try:
            if request.method == "POST":
                result = services.roadmap_replan(
                    roadmap=roadmap, from_date=from_date, weekly_hours=hours, study_days=days, now=timezone.now()
                )
                _applied(request, result, from_date)
                return redirect("roadmap-dashboard", roadmap.pk)
            preview = changes.replan_preview(roadmap, from_date=from_date, weekly_hours=hours, study_days=days)
            context["preview"] = preview
            context["query"] = _pace_query(hours, days, from_date)
            if preview.far:
                context["keep_end"] = _keep_end(roadmap, hours, days, from_date)
            return render(request, "roadmaps/web/pace.html", context)
        except services.PlanRejected as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
            fitting = changes.fitting_weekly_hours(roadmap, from_date=from_date, study_days=days)
            if fitting is not None and error.field == "weekly_hours":
                context["fixes"] = [_pace_fix(fitting, days, from_date)]
    else:
        fitting = form.hours_fix()
        if fitting is not None:
            days = data.getlist("study_days") or roadmap.study_days
            context["fixes"] = [_pace_fix(fitting, days, data.get("from_date") or None)]
    return render(request, "roadmaps/web/pace.html", context, status=400)


def _pace_query(hours: int, days, from_date: date | str | None) -> str:
    """The pace page's query for these fields; ``from_date`` as validated, or as typed when it is not."""
    query = {"weekly_hours": hours, "study_days": list(days)}
    if from_date is not None:
        query["from_date"] = from_date.isoformat() if isinstance(from_date, date) else from_date
    return urlencode(query, doseq=True)


def _pace_fix(hours: int, days, from_date) -> dict:
    return {
        "label": ngettext("Use %(hours)d hour a week", "Use %(hours)d hours a week", hours) % {"hours": hours},
        "query": _pace_query(hours, days, from_date),
    }


def _keep_end(roadmap, hours: int, days, from_date) -> dict | None:
    """The pace that keeps the roadmap's current end date, or ``hours`` None when none up to the maximum does."""
    keep = changes.fitting_weekly_hours(roadmap, from_date=from_date, study_days=days, end_by=roadmap.end_date)
    if keep == hours:
        return None
    query = _pace_query(keep, days, from_date) if keep is not None else ""
    return {"hours": keep, "query": query, "max": services.MAX_WEEKLY_HOURS_FIX}


# --- Re-plan from today -------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def replan_page(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: the preview of re-planning from today at the roadmap's pace; POST: apply it."""
    roadmap = _roadmap(request, pk)
    from_date = _from_date(request, roadmap)
    form = ReplanForm(request.POST if request.method == "POST" else None)
    context = {"roadmap": roadmap, "form": form, "from_date": from_date, "preview": None, "error": ""}
    if request.method == "GET":
        try:
            context["preview"] = changes.replan_preview(roadmap, from_date=from_date)
        except services.PlanRejected as error:
            context["error"] = error.message
        return render(request, "roadmaps/web/replan.html", context, status=400 if context["error"] else 200)
    if not form.is_valid():
        return render(request, "roadmaps/web/replan.html", context, status=400)
    try:
        result = services.roadmap_replan(
            roadmap=roadmap,
            from_date=from_date,
            weekly_hours=form.cleaned_data["weekly_hours"],
            study_days=form.cleaned_data["study_days"],
            now=timezone.now(),
        )
    except services.PlanRejected as error:
        context["error"] = error.message
        return render(request, "roadmaps/web/replan.html", context, status=400)
    _applied(request, result, from_date)
    return redirect(safe_next(request, reverse("roadmap-dashboard", args=[roadmap.pk])))


# --- Catch-up -----------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def catchup_page(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: the options; GET ?kind=: that option's preview; POST kind: apply it."""
    roadmap = _roadmap(request, pk)
    profile = learner_profile(request)
    today, zone = learner_today(profile), profile.zone
    data = request.POST if request.method == "POST" else (request.GET if "kind" in request.GET else None)
    form = CatchUpChoiceForm(data)
    context = {"roadmap": roadmap, "form": form, "chosen": None, "preview": None, "error": ""}
    status = 200
    if data is not None and not form.is_valid():
        status = 400
    elif data is not None:
        kind = form.cleaned_data["kind"]
        try:
            if request.method == "POST":
                now = timezone.now()
                result = catchup.catch_up_apply(roadmap=roadmap, kind=kind, today=today, zone=zone, now=now)
                _applied(request, result, max(today, roadmap.start_date))
                return redirect("roadmap-dashboard", roadmap.pk)
            context["chosen"], context["preview"] = catchup.catch_up_preview(
                roadmap=roadmap, kind=kind, today=today, zone=zone
            )
        except catchup.OptionUnavailable:
            context["error"] = gettext("That way back is not offered any more: choose one of those listed here.")
            status = 400
        except services.PlanRejected as error:
            context["error"] = error.message
            status = 400
    if context["preview"] is None:
        context["catch_up"] = catchup.catch_up_options(roadmap, today=today, zone=zone)
    return render(request, "roadmaps/web/catchup.html", context, status=status)
