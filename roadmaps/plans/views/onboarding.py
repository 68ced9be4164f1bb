"""Onboarding: role, track, known skills, schedule, preview, create.

Every step up to the preview is a GET form carrying the earlier choices as
hidden inputs, so the back button, reloads and bookmarks all work and nothing
is stored until the learner creates the plan (one POST).
"""

from __future__ import annotations

from itertools import groupby
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy
from django.views.decorators.http import require_POST

from accounts import services as account_services
from roadmaps.catalog import selectors as catalog_selectors
from roadmaps.models import Role, Skill, Track
from roadmaps.models.catalog import skill_category_name
from roadmaps.plans import services
from roadmaps.plans.forms import PlanForm, RoleStepForm, SkillsStepForm, TrackStepForm
from roadmaps.plans.summaries import phase_summaries
from roadmaps.web.helpers import learner_profile, learner_today

STEPS = [
    pgettext_lazy("onboarding step", "Role"),
    pgettext_lazy("onboarding step", "Track"),
    pgettext_lazy("onboarding step", "Skills"),
    pgettext_lazy("onboarding step", "Schedule"),
    pgettext_lazy("onboarding step", "Preview"),
]


def _page(request, template: str, step: int, context: dict, status: int = 200) -> HttpResponse:
    context = {**context, "steps": STEPS, "step": step, "step_name": STEPS[step - 1]}
    return render(request, f"roadmaps/web/onboarding/{template}", context, status=status)


def _carry(data, names) -> list[tuple[str, str]]:
    """The earlier steps' answers, as (name, value) pairs for hidden inputs."""
    return [(name, value) for name in names for value in data.getlist(name)]


def _back_to(step_url: str, data, names) -> str:
    query = urlencode(_carry(data, names))
    return f"{reverse(step_url)}?{query}" if query else reverse(step_url)


MAX_QUERY_LENGTH = 100


@login_required
def choose_role(request: HttpRequest) -> HttpResponse:
    """Roles grouped by category; ``?q=`` narrows them to those matching every word (no script needed)."""
    all_roles = list(catalog_selectors.roles_with_details())
    query = " ".join(request.GET.get("q", "")[:MAX_QUERY_LENGTH].split())
    words = query.casefold().split()
    roles = [role for role in all_roles if role.matches(words)]
    labels = dict(Role.Category.choices)
    categories = [
        (labels.get(category, category), list(group))
        for category, group in groupby(sorted(roles, key=_category_order), key=lambda r: r.category)
    ]
    context = {
        "categories": categories,
        "selected": request.GET.get("role", ""),
        "query": query,
        "match_count": len(roles),
        "role_count": len(all_roles),
    }
    return _page(request, "role.html", 1, context)


def _category_order(role: Role) -> tuple[int, int, str]:
    order = [value for value, _ in Role.Category.choices]
    position = order.index(role.category) if role.category in order else len(order)
    return position, role.position, role.name


@login_required
def choose_track(request: HttpRequest) -> HttpResponse:
    form = RoleStepForm(request.GET)
    if not form.is_valid():
        messages.error(request, _("Choose a role first."))
        return redirect("onboarding")
    role = form.cleaned_data["role"]
    fitting = list(Track.objects.filter(roles=role))
    context = {
        "role": role,
        "tracks": fitting or list(Track.objects.all()),
        "fits_role": bool(fitting),
        "selected": request.GET.get("track", ""),
        "carry": _carry(request.GET, ["role"]),
        "back_url": _back_to("onboarding", request.GET, ["role"]),
    }
    return _page(request, "track.html", 2, context)


@login_required
def choose_skills(request: HttpRequest) -> HttpResponse:
    form = TrackStepForm(request.GET)
    if not form.is_valid():
        messages.error(request, _("Choose a track first."))
        return redirect(_back_to("onboarding-track", request.GET, ["role"]))
    track = form.cleaned_data["track"]
    skills = Skill.objects.filter(milestones__phase__track=track).distinct()
    if "known_skills" in request.GET:
        known = set(request.GET.getlist("known_skills"))
    else:
        known = set(learner_profile(request).known_skills.values_list("slug", flat=True))
    context = {
        "role": form.cleaned_data["role"],
        "track": track,
        "skill_groups": [(skill_category_name(c), list(g)) for c, g in groupby(skills, key=lambda s: s.category)],
        "known": known,
        "carry": _carry(request.GET, ["role", "track"]),
        "back_url": _back_to("onboarding-track", request.GET, ["role", "track"]),
    }
    return _page(request, "skills.html", 3, context)


@login_required
def schedule(request: HttpRequest) -> HttpResponse:
    form = SkillsStepForm(request.GET)
    if not form.is_valid():
        messages.error(request, _("Choose a role and a track first."))
        return redirect("onboarding")
    profile = learner_profile(request)
    track = form.cleaned_data["track"]
    # The track's usual length is the default goal, so a schedule that cannot
    # keep up is said so before the plan is made; clearing it means "no deadline".
    initial = {
        "weekly_hours": profile.weekly_hours,
        "study_days": profile.study_days,
        "start_date": learner_today(profile),
        "timezone": profile.timezone,
        "target_weeks": _fitting_target(form, profile, track),
    }
    # Coming back from the preview: show what the learner entered there.
    for name in PlanForm.SCHEDULE_FIELDS:
        if name in request.GET:
            many = name == "study_days"
            initial[name] = request.GET.getlist(name) if many else request.GET[name]
    plan_form = PlanForm(initial=initial, today=learner_today(profile))
    return _schedule_page(request, plan_form, request.GET, track)


def _fitting_target(form: SkillsStepForm, profile, track: Track) -> int | None:
    """The track's usual length as the goal when the profile's week fits it, else a goal that fits (or none)."""
    inputs = services.PlanInputs(
        role=form.cleaned_data["role"],
        track=catalog_selectors.tracks_with_milestones().get(pk=track.pk),
        start_date=learner_today(profile),
        weekly_hours=profile.weekly_hours,
        study_days=profile.study_days,
        known_skills=sorted(skill.slug for skill in form.cleaned_data["known_skills"]),
        target_weeks=track.max_weeks,
    )
    return services.fitting_defaults(inputs).target_weeks


def _schedule_page(request, plan_form: PlanForm, data, track, status: int = 200, fixes=()) -> HttpResponse:
    plan_form.describe_target(track)
    context = {
        "fixes": fixes,
        "preview_url": reverse("onboarding-preview"),
        "form": plan_form,
        "schedule_fields": [plan_form[name] for name in PlanForm.SCHEDULE_FIELDS],
        "carry": _carry(data, ["role", "track", "known_skills"]),
        "back_url": _back_to("onboarding-skills", data, ["role", "track", "known_skills"]),
    }
    return _page(request, "schedule.html", 4, context, status=status)


@login_required
def preview(request: HttpRequest) -> HttpResponse:
    profile = learner_profile(request)
    form = PlanForm(request.GET, today=learner_today(profile))
    if not form.is_valid():
        return _invalid_plan(request, form, request.GET)
    try:
        plan = services.plan_preview(form.plan_inputs())
    except services.PlanRejected as error:
        fixes = form.reject(error)
        return _schedule_page(request, form, request.GET, form.cleaned_data["track"], status=400, fixes=fixes)
    context = {
        "form": form,
        "plan": plan,
        "phases": phase_summaries(plan.tasks),
        "total_hours": round(plan.total_minutes / 60, 1),
        "weeks": (plan.end_date - form.cleaned_data["start_date"]).days // 7 + 1,
        "carry": _carry(request.GET, [*PlanForm.base_fields]),
        "back_url": _back_to("onboarding-schedule", request.GET, [*PlanForm.base_fields]),
    }
    return _page(request, "preview.html", 5, context)


def _invalid_plan(request, form: PlanForm, data) -> HttpResponse:
    """Bad schedule input comes back on the schedule form; a bad earlier choice restarts."""
    if any(name in form.errors for name in SkillsStepForm.base_fields):
        messages.error(request, _("That role or track is not in the catalog; choose again."))
        return redirect("onboarding")
    return _schedule_page(request, form, data, form.cleaned_data["track"], status=400)


@login_required
@require_POST
def create(request: HttpRequest) -> HttpResponse:
    profile = learner_profile(request)
    form = PlanForm(request.POST, today=learner_today(profile))
    if not form.is_valid():
        return _invalid_plan(request, form, request.POST)
    try:
        roadmap = services.roadmap_create(user=request.user, inputs=form.plan_inputs())
    except services.PlanRejected as error:
        fixes = form.reject(error)
        return _schedule_page(request, form, request.POST, form.cleaned_data["track"], status=400, fixes=fixes)
    account_services.profile_update(profile=profile, **form.profile_defaults())
    messages.success(request, _("Your %(role)s roadmap is ready.") % {"role": roadmap.role.name})
    return redirect("roadmap-dashboard", pk=roadmap.pk)
