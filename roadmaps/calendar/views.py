"""The calendar page: subscribe to the feed, rotate or revoke it, download or e-mail .ics."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

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
    messages.success(request, "Your private calendar link is ready.")
    return redirect("calendar-page")


@login_required
@require_POST
def rotate(request: HttpRequest) -> HttpResponse:
    calendar_services.feed_rotate(user=request.user)
    messages.success(
        request,
        "You have a new calendar link. The old one no longer works: "
        "subscribe again with the new link in your calendar app.",
    )
    return redirect("calendar-page")


@login_required
@require_POST
def revoke(request: HttpRequest) -> HttpResponse:
    calendar_services.feed_revoke(user=request.user)
    messages.success(request, "Your calendar link is turned off; calendar apps stop updating.")
    return redirect("calendar-page")
