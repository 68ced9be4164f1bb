"""The calendar's milestone markers follow the same status rule as the API and pages."""

from datetime import UTC, datetime

import icalendar
import pytest
import time_machine

from roadmaps.milestones import services
from tests.roadmaps.milestones.data import make_catalog, make_roadmap

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 16, 12, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def frozen_clock():
    with time_machine.travel(NOW, tick=False):
        yield


def marker_summaries(client, roadmap) -> list[str]:
    response = client.get(f"/api/roadmaps/{roadmap.id}/calendar.ics")
    assert response.status_code == 200
    calendar = icalendar.Calendar.from_ical(response.content)
    return [
        str(event["SUMMARY"]) for event in calendar.walk("VEVENT") if "Milestone" in str(event.get("CATEGORIES").cats)
    ]


def test_done_skipped_and_open_milestones_are_marked_as_the_api_says(learner, learner_client):
    roadmap = make_roadmap(learner, *make_catalog())
    done, skipped, open_ = roadmap.milestones.order_by("sequence")
    services.milestone_update(milestone=done, status="done", now=NOW)
    services.milestone_update(milestone=skipped, status="skipped", now=NOW)

    summaries = marker_summaries(learner_client, roadmap)

    assert summaries == [
        f"✓ Milestone due: {done.title}",
        f"⊘ Milestone skipped: {skipped.title}",
        f"Milestone due: {open_.title}",
    ]
