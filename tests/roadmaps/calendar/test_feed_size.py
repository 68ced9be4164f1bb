"""A heavy learner's feed stays under the 1 MB at which Google Calendar drops subscribed feeds."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
import time_machine
from django.db.models import Sum
from django.test import Client

from roadmaps.calendar import services as calendar_services
from roadmaps.catalog.loader import load_catalog
from roadmaps.models import Track
from roadmaps.plans import services
from tests.roadmaps.calendar.data import icalendar_events, path_of

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
GOOGLE_LIMIT = 1_000_000


def add_roadmap_at_the_lowest_hours_that_fit(user, track) -> int:
    role = track.roles.order_by("slug").first()
    for weekly_hours in range(1, 80):
        inputs = services.PlanInputs(
            role=role,
            track=track,
            start_date=NOW.date(),
            weekly_hours=weekly_hours,
            study_days=[1, 2, 3, 4, 5, 6, 7],
            known_skills=[],
        )
        try:
            services.roadmap_create(user=user, inputs=inputs)
        except services.PlanRejected:
            continue
        return weekly_hours
    raise AssertionError(f"{track.slug} fits no weekly hours")


def test_the_four_largest_catalog_tracks_at_low_hours_stay_under_one_megabyte(learner):
    load_catalog()
    largest = Track.objects.annotate(hours=Sum("phases__milestones__estimated_hours")).order_by("-hours", "slug")[:4]
    with time_machine.travel(NOW, tick=False):
        for track in largest:
            add_roadmap_at_the_lowest_hours_that_fit(learner, track)
        feed = calendar_services.feed_get_or_create(user=learner)
        path = path_of(calendar_services.feed_urls(feed)["feed_url"])
        body = Client().get(path).content
        compressed = Client().get(path, HTTP_ACCEPT_ENCODING="gzip").content

    assert learner.roadmaps.count() == 4
    events = icalendar_events(body)
    sessions = [event for uid, event in events.items() if uid.startswith("session-")]
    assert len(sessions) > 100  # the window is full of study sessions, not empty
    # Every session inside the window: 8 weeks back to the Sunday 26 weeks after this week's Monday.
    assert max(event["DTSTART"].dt.date() for event in sessions) <= date(2027, 5, 30)
    # Measured: 554,081 bytes, 812 events of which 746 sessions (gzip: 21,569 bytes).
    assert len(body) < GOOGLE_LIMIT
    assert len(compressed) < len(body) / 5
