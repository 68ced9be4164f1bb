"""The roadmap page's milestone forms: plain POSTs with CSRF, answered by a redirect back."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from roadmaps.milestones import selectors, services
from roadmaps.models.milestones import (
    MAX_EVIDENCE_URL_LENGTH,
    MAX_NOTE_LENGTH,
    validate_evidence_url,
    validate_note_text,
)
from roadmaps.web.helpers import safe_next

STATUS_MESSAGES = {
    "done": _("“%(title)s” is done: every part of it is ticked off."),
    "skipped": _("“%(title)s” is skipped."),
    "todo": _("“%(title)s” is back to do."),
}


class MilestoneStatusForm(forms.Form):
    status = forms.ChoiceField(choices=[(str(status), str(status)) for status in services.SETTABLE_STATUSES])


class EvidenceForm(forms.Form):
    evidence_url = forms.CharField(
        label=_("Link to what you made"),
        max_length=MAX_EVIDENCE_URL_LENGTH,
        required=False,
        validators=[validate_evidence_url],
        help_text=_("An https:// link: a repository, a certificate, a post."),
    )
    note = forms.CharField(
        label=_("Note"),
        max_length=MAX_NOTE_LENGTH,
        required=False,
        validators=[validate_note_text],
        widget=forms.Textarea(attrs={"rows": 3}),
    )


def _back(request: HttpRequest, milestone) -> str:
    default = reverse("roadmap-page", args=[milestone.roadmap_id])
    return f"{safe_next(request, default).split('#')[0]}#milestone-{milestone.id}"


def _bad_request(request: HttpRequest, milestone, form) -> HttpResponse:
    context = {"errors": form.errors, "back_url": reverse("roadmap-page", args=[milestone.roadmap_id])}
    return render(request, "roadmaps/web/bad_request.html", context, status=400)


@login_required
@require_POST
def milestone_status(request: HttpRequest, pk: int) -> HttpResponse:
    milestone = get_object_or_404(selectors.milestones_of_user(request.user), pk=pk)
    form = MilestoneStatusForm(request.POST)
    if not form.is_valid():
        return _bad_request(request, milestone, form)
    status = form.cleaned_data["status"]
    services.milestone_update(milestone=milestone, status=status, now=timezone.now())
    messages.success(
        request, STATUS_MESSAGES[status] % {"title": milestone.title}, extra_tags=f"milestone-{milestone.id}"
    )
    return redirect(_back(request, milestone))


@login_required
@require_POST
def milestone_evidence(request: HttpRequest, pk: int) -> HttpResponse:
    milestone = get_object_or_404(selectors.milestones_of_user(request.user), pk=pk)
    form = EvidenceForm(request.POST)
    if not form.is_valid():
        return _bad_request(request, milestone, form)
    services.milestone_update(milestone=milestone, now=timezone.now(), **form.cleaned_data)
    messages.success(
        request,
        gettext("Saved the evidence for “%(title)s”.") % {"title": milestone.title},
        extra_tags=f"milestone-{milestone.id}",
    )
    return redirect(_back(request, milestone))
