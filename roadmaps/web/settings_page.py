"""Settings: profile, time zone, weekly hours, study days and the weekly e-mail."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from accounts import services as account_services
from roadmaps.plans.forms import SettingsForm
from roadmaps.web.helpers import learner_profile


@login_required
def settings_page(request: HttpRequest) -> HttpResponse:
    profile = learner_profile(request)
    form = SettingsForm(request.POST if request.method == "POST" else None, initial=SettingsForm.initial_from(profile))
    if request.method == "POST":
        if form.is_valid():
            account_services.profile_update(profile=profile, **form.changes())
            messages.success(request, _("Your settings are saved."))
            return redirect("settings")
        status = 400
    else:
        status = 200
    context = {"form": form, "profile": profile}
    return render(request, "roadmaps/web/settings.html", context, status=status)
