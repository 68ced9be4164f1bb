"""Small pieces every page view shares."""

from __future__ import annotations

from datetime import date

from django.http import HttpRequest
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme

from accounts.models import Profile
from roadmaps.plans import services


def learner_profile(request: HttpRequest) -> Profile:
    return services.profile_of(request.user)


def learner_today(profile: Profile) -> date:
    return profile.local_today(timezone.now())


def safe_next(request: HttpRequest, default: str) -> str:
    """The ``next`` field if it points back into this site, else ``default``."""
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return default
