"""A learner's "today" is their own: progress and re-planning across time zones and DST."""

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine

from tests.factories import RoleFactory, SkillFactory, make_track

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalog():
    role = RoleFactory(slug="data-scientist")
    make_track(slug="track", milestones_per_phase=(3, 3), hours=4, skills=[SkillFactory()]).roles.add(role)


def create(client, start):
    body = {
        "role": "data-scientist",
        "track": "track",
        "start_date": start.isoformat(),
        "weekly_hours": 4,
        "study_days": [1, 2, 3, 4, 5, 6, 7],
    }
    response = client.post("/api/roadmaps/", body, format="json")
    assert response.status_code == 201, response.json()
    return response.json()


def set_zone(user, zone):
    user.profile.timezone = zone
    user.profile.save()


def test_replan_on_the_night_clocks_spring_forward_starts_on_the_local_day(learner, learner_client, catalog):
    set_zone(learner, "Europe/Paris")
    with time_machine.travel(datetime(2026, 3, 3, 12, 0, tzinfo=UTC), tick=False):
        roadmap = create(learner_client, date(2026, 3, 2))
    # 2026-03-29 00:30 UTC is 01:30 in Paris, half an hour before the clocks jump to 03:00.
    with time_machine.travel(datetime(2026, 3, 29, 0, 30, tzinfo=UTC), tick=False):
        body = learner_client.post(f"/api/roadmaps/{roadmap['id']}/replan/", {}, format="json").json()

    assert min(task["start_date"] for task in body["tasks"]) == "2026-03-29"


def test_replan_on_the_night_clocks_fall_back_uses_the_local_date(learner, learner_client, catalog):
    set_zone(learner, "America/New_York")
    with time_machine.travel(datetime(2026, 10, 6, 12, 0, tzinfo=UTC), tick=False):
        roadmap = create(learner_client, date(2026, 10, 5))
    # 2026-11-01 05:30 UTC is 01:30 EDT, inside the hour that happens twice that night.
    with time_machine.travel(datetime(2026, 11, 1, 5, 30, tzinfo=UTC), tick=False):
        body = learner_client.post(f"/api/roadmaps/{roadmap['id']}/replan/", {}, format="json").json()

    assert min(task["start_date"] for task in body["tasks"]) == "2026-11-01"


def test_a_task_finished_late_in_the_evening_counts_on_the_learners_local_day(learner, learner_client, catalog):
    set_zone(learner, "Asia/Kathmandu")  # UTC+5:45
    start = date(2026, 11, 9)
    with time_machine.travel(datetime(2026, 11, 9, 3, 0, tzinfo=UTC), tick=False):
        roadmap = create(learner_client, start)
    # Sunday 2026-11-15 19:00 UTC is Monday 00:45 in Kathmandu: the finish belongs to the new week.
    with time_machine.travel(datetime(2026, 11, 15, 19, 0, tzinfo=UTC), tick=False):
        task = roadmap["tasks"][0]
        learner_client.patch(f"/api/tasks/{task['id']}/", {"status": "done"}, format="json")
        progress = learner_client.get(f"/api/roadmaps/{roadmap['id']}/progress/").json()

    assert progress["streak_weeks"] == 1
    assert progress["hours_done"] > 0


def test_progress_expected_percent_follows_the_local_date_not_the_servers(learner, learner_client, catalog):
    set_zone(learner, "Pacific/Kiritimati")  # UTC+14
    start = date(2026, 11, 16)
    with time_machine.travel(datetime(2026, 11, 15, 9, 0, tzinfo=UTC), tick=False):
        roadmap = create(learner_client, start)
    # The first task (4 h at 4 h a week, every day) is due on Sunday the 22nd.
    assert roadmap["tasks"][0]["due_date"] == "2026-11-22"
    with time_machine.travel(datetime(2026, 11, 21, 9, 0, tzinfo=UTC), tick=False):
        # 09:00 UTC on the 21st is 23:00 on the 21st in Kiritimati: nothing is due yet.
        before = learner_client.get(f"/api/roadmaps/{roadmap['id']}/progress/").json()
    with time_machine.travel(datetime(2026, 11, 21, 9, 0, tzinfo=UTC) + timedelta(hours=2), tick=False):
        # 11:00 UTC is already the 22nd there: the first task is due by the end of today.
        after = learner_client.get(f"/api/roadmaps/{roadmap['id']}/progress/").json()

    assert before["expected_percent"] == 0
    assert after["expected_percent"] > 0


def test_a_task_finished_on_a_local_sunday_evening_counts_in_that_local_week_not_the_utc_one(
    learner, learner_client, catalog
):
    set_zone(learner, "America/Los_Angeles")  # UTC-8 in November
    with time_machine.travel(datetime(2026, 11, 9, 18, 0, tzinfo=UTC), tick=False):
        roadmap = create(learner_client, date(2026, 11, 9))
    # Monday 2026-11-16 04:00 UTC is Sunday 20:00 in Los Angeles: the finish belongs to the week of the 9th.
    with time_machine.travel(datetime(2026, 11, 16, 4, 0, tzinfo=UTC), tick=False):
        task = roadmap["tasks"][0]
        learner_client.patch(f"/api/tasks/{task['id']}/", {"status": "done"}, format="json")
        progress = learner_client.get(f"/api/roadmaps/{roadmap['id']}/progress/").json()

    # Taken on the UTC date (Monday the 16th), the finish would fall in a week that has not begun locally.
    assert progress["streak_weeks"] == 1
