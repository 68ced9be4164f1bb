"""The home page: what the service does, and the way in."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from roadmaps.models import Role, Track


def home(request: HttpRequest) -> HttpResponse:
    context = {"role_count": Role.objects.count(), "track_count": Track.objects.count()}
    return render(request, "roadmaps/web/home.html", context)
