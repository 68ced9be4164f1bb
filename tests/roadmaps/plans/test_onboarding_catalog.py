"""Every catalog track, taken with the onboarding's own defaults, gives a plan with no error."""

import re
from datetime import UTC, datetime

import pytest
import time_machine

from roadmaps.catalog.loader import load_catalog
from roadmaps.models import Track
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

CATALOG_TRACKS = 10


@pytest.fixture(autouse=True)
def frozen_clock():
    with time_machine.travel(datetime(2026, 11, 16, 12, 0, tzinfo=UTC), tick=False):
        yield


@pytest.fixture
def client(client):
    load_catalog()
    # The profile's defaults as a new learner has them (8 h a week, weekdays).
    client.force_login(UserFactory(profile__weekly_hours=8))
    return client


def defaults_of(page: str) -> dict:
    def value(name):
        match = re.search(rf'name="{name}" value="([^"]*)"', page)
        return match.group(1) if match else ""

    days = re.findall(r'name="study_days" value="(\d)"[^>]*checked', page)
    zone = re.search(r'<option value="([^"]+)" selected>', page).group(1)
    return {
        "weekly_hours": value("weekly_hours"),
        "study_days": days,
        "start_date": value("start_date"),
        "timezone": zone,
        "target_weeks": value("target_weeks"),
    }


def test_each_catalog_track_with_the_onboarding_defaults_previews_a_plan(client):
    tracks = list(Track.objects.prefetch_related("roles").order_by("slug"))
    assert len(tracks) == CATALOG_TRACKS
    for track in tracks:
        role = track.roles.order_by("slug").first()
        choice = {"role": role.slug, "track": track.slug}
        schedule = client.get("/start/schedule/", choice)
        assert schedule.status_code == 200
        defaults = defaults_of(schedule.content.decode())
        assert defaults["study_days"], track.slug

        preview = client.get("/start/preview/", {**choice, **defaults})

        assert preview.status_code == 200, (track.slug, defaults)
        assert "Ends on" in preview.content.decode()
