"""The calendar page: subscribe to the feed, rotate or revoke it, download or e-mail .ics.

Rotating and revoking break the learner's subscriptions, so each asks first on
a page of its own (GET asks and changes nothing, POST acts): the question needs
no script.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods, require_POST

from roadmaps.calendar import services as calendar_services
from roadmaps.models import CalendarFeed
from roadmaps.plans import selectors


@login_required
def calendar_page(request: HttpRequest) -> HttpResponse:
    # Reading the page never makes a feed: after "revoke", a reload must not bring it back.
    feed = CalendarFeed.objects.filter(user=request.user).first()
    urls = calendar_services.feed_urls(feed) if feed else None
    context = {
        "urls": urls,
        "subscribe_links": calendar_services.feed_subscribe_links(urls) if urls else None,
        "roadmaps": list(selectors.roadmaps_of(request.user)),
    }
    return render(request, "roadmaps/web/calendar.html", context)


@login_required
@require_POST
def subscribe(request: HttpRequest) -> HttpResponse:
    calendar_services.feed_get_or_create(user=request.user)
    messages.success(request, gettext("Your private calendar link is ready."))
    return redirect("calendar-page")


CONFIRMATIONS = {
    "rotate": {
        "title": _("Make a new calendar link?"),
        "explanation": _(
            "The current link stops working at once: calendar apps subscribed to it stop updating, "
            "and you will need to subscribe again with the new link."
        ),
        "action": _("Yes, make a new link"),
        "danger": False,
    },
    "revoke": {
        "title": _("Turn the calendar link off?"),
        "explanation": _(
            "The link stops working at once: calendar apps subscribed to it stop updating. "
            "You can make a new link later."
        ),
        "action": _("Yes, turn the link off"),
        "danger": True,
    },
}


def _confirm(request: HttpRequest, action: str) -> HttpResponse:
    if not CalendarFeed.objects.filter(user=request.user).exists():
        return redirect("calendar-page")
    return render(request, "roadmaps/web/calendar_confirm.html", CONFIRMATIONS[action])


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def rotate(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return _confirm(request, "rotate")
    calendar_services.feed_rotate(user=request.user)
    messages.success(
        request,
        gettext(
            "You have a new calendar link. The old one no longer works: "
            "subscribe again with the new link in your calendar app."
        ),
    )
    return redirect("calendar-page")


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def revoke(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return _confirm(request, "revoke")
    calendar_services.feed_revoke(user=request.user)
    messages.success(request, gettext("Your calendar link is turned off; calendar apps stop updating."))
    return redirect("calendar-page")
