"""The unsubscribe link from the nudge e-mail: GET asks, POST acts.

Mail scanners open links, so a GET changes nothing. The POST is also what mail
clients send for one-click unsubscribe (RFC 8058) without any cookie or CSRF
token: the signed token in the URL is the credential, hence ``csrf_exempt``.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
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
    if profile is None:
        # Said on a page of its own: the learner came from an e-mail and needs to know what to do instead.
        return render(request, "roadmaps/nudges/invalid_link.html", status=404)
    context = {"email": masked_email(profile.user.email)}
    if request.method == "POST":
        nudges_unsubscribe(profile=profile, now=timezone.now())
        return render(request, "roadmaps/nudges/unsubscribed.html", context)
    return render(request, "roadmaps/nudges/unsubscribe.html", {**context, "token": token})


def _profile_for(token: str) -> Profile | None:
    """The profile the signed token names; None for a damaged link or a deleted account."""
    user_id = user_id_from_token(token)
    if user_id is None:
        return None
    return Profile.objects.select_related("user").filter(user_id=user_id).first()


def masked_email(email: str) -> str:
    """Enough for the owner to recognise their address; less for anyone else holding the link."""
    local, _, domain = email.partition("@")
    return f"{local[:2]}{'*' * max(1, len(local) - 2)}@{domain}"
