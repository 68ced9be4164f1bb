"""The unsubscribe link from the nudge e-mail: GET asks, POST acts.

Mail scanners open links, so a GET changes nothing. The POST is also what mail
clients send for one-click unsubscribe (RFC 8058) without any cookie or CSRF
token: the signed token in the URL is the credential, hence ``csrf_exempt``.
"""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from accounts.models import Profile
from roadmaps.nudges.unsubscribe import nudges_unsubscribe, user_id_from_token


@csrf_exempt
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    profile = _profile_for(token)
    context = {"email": masked_email(profile.user.email)}
    if request.method == "POST":
        nudges_unsubscribe(profile=profile, now=timezone.now())
        return render(request, "roadmaps/nudges/unsubscribed.html", context)
    return render(request, "roadmaps/nudges/unsubscribe.html", {**context, "token": token})


def _profile_for(token: str) -> Profile:
    user_id = user_id_from_token(token)
    profile = Profile.objects.select_related("user").filter(user_id=user_id).first()
    if user_id is None or profile is None:
        raise Http404("This unsubscribe link is not valid.")
    return profile


def masked_email(email: str) -> str:
    """Enough for the owner to recognise their address; less for anyone else holding the link."""
    local, _, domain = email.partition("@")
    return f"{local[:2]}{'*' * max(1, len(local) - 2)}@{domain}"
