"""Slack status and catch-up at their edges: exactly one study day's minutes of slack, and
one minute or one hour either side, as the API answers them.

The roadmap: 4 milestones of 10 h at 5 h a week, Monday to Friday (one study day
is 60 minutes), started three weeks before "now". The minutes done are set on a
task not due yet, so the minutes expected by today stay what the plan says.
"""

from datetime import UTC, date, datetime

import pytest
import time_machine

from roadmaps.models import Milestone, Roadmap, Task
from tests.factories import RoleFactory, SkillFactory, make_track

pytestmark = pytest.mark.django_db

START = date(2026, 11, 2)  # a Monday
NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)  # three weeks later
TODAY = NOW.date()


@pytest.fixture
def roadmap(learner_client):
    role = RoleFactory(slug="ml-engineer")
    track = make_track(slug="ml-track", milestones_per_phase=(2, 2), hours=10, skills=[SkillFactory()])
    track.roles.add(role)
    last = Milestone.objects.filter(phase__track=track).order_by("phase__order", "order").last()
    last.optional = True
    last.save()
    body = {"role": "ml-engineer", "track": "ml-track", "start_date": START.isoformat(), "weekly_hours": 5}
    with time_machine.travel(datetime(2026, 11, 2, 9, 0, tzinfo=UTC), tick=False):
        response = learner_client.post("/api/roadmaps/", body, format="json")
    assert response.status_code == 201, response.json()
    roadmap = Roadmap.objects.get(pk=response.json()["id"])
    assert sorted(roadmap.study_days) == [1, 2, 3, 4, 5]
    return roadmap


@pytest.fixture(autouse=True)
def frozen_clock():
    with time_machine.travel(NOW, tick=False):
        yield


def with_slack(roadmap: Roadmap, slack: int) -> int:
    """Mark done a task due after today carrying ``expected + slack`` minutes; the minutes expected."""
    tasks = list(roadmap.tasks.order_by("sequence"))
    expected = sum(task.estimated_minutes for task in tasks if task.due_date <= TODAY)
    assert expected == 15 * 60  # three weeks at 5 h
    future = next(task for task in tasks if task.due_date > TODAY)
    Task.objects.filter(pk=future.pk).update(status="done", completed_at=NOW, estimated_minutes=expected + slack)
    return expected


def progress(client, roadmap: Roadmap) -> dict:
    response = client.get(f"/api/roadmaps/{roadmap.pk}/progress/")
    assert response.status_code == 200, response.json()
    return response.json()


def catch_up(client, roadmap: Roadmap) -> dict:
    response = client.get(f"/api/roadmaps/{roadmap.pk}/catch-up/")
    assert response.status_code == 200, response.json()
    return response.json()


@pytest.mark.parametrize(
    ("slack", "status"),
    [
        (-120, "behind"),  # a study day and an hour behind
        (-61, "behind"),
        (-60, "on_track"),  # exactly one study day behind
        (-59, "on_track"),
        (0, "on_track"),
        (59, "on_track"),
        (60, "on_track"),  # exactly one study day ahead
        (61, "ahead"),
        (120, "ahead"),
    ],
)
def test_the_status_turns_one_minute_past_one_study_days_slack(learner_client, roadmap, slack, status):
    expected = with_slack(roadmap, slack)

    body = progress(learner_client, roadmap)

    assert body["hours_done"] == round((expected + slack) / 60, 2)
    assert body["hours_expected"] == expected / 60
    assert body["status"] == status


def test_one_study_day_is_the_weeks_minutes_over_its_days_rounded_down(learner_client, roadmap):
    # 5 h over seven days: 300 / 7 = 42.86 minutes, taken as 42.
    Roadmap.objects.filter(pk=roadmap.pk).update(study_days=[1, 2, 3, 4, 5, 6, 7])
    with_slack(roadmap, -42)
    assert progress(learner_client, roadmap)["status"] == "on_track"

    with_slack(roadmap, -43)
    assert progress(learner_client, roadmap)["status"] == "behind"


def test_a_learner_exactly_one_study_day_behind_is_offered_no_catch_up(learner_client, roadmap):
    with_slack(roadmap, -60)

    assert catch_up(learner_client, roadmap) == {"status": "on_track", "hours_behind": 1.0, "options": []}
    refused = learner_client.post(f"/api/roadmaps/{roadmap.pk}/catch-up/", {"kind": "extend"}, format="json")
    assert refused.status_code == 400


def test_a_learner_one_minute_more_behind_is_offered_the_three_options(learner_client, roadmap):
    with_slack(roadmap, -61)

    body = catch_up(learner_client, roadmap)

    assert (body["status"], body["hours_behind"]) == ("behind", 1.02)
    assert [option["kind"] for option in body["options"]] == ["extend", "add_hours", "drop_optional"]


def test_a_learner_ahead_is_offered_no_catch_up_and_is_not_behind_at_all(learner_client, roadmap):
    with_slack(roadmap, 61)

    assert catch_up(learner_client, roadmap) == {"status": "ahead", "hours_behind": 0, "options": []}


def with_remaining_work_and_end(roadmap: Roadmap, *, minutes: int, end: date) -> None:
    """Nothing done (three weeks behind); ``minutes`` of work left in all; the planned end moved to ``end``."""
    tasks = list(roadmap.tasks.order_by("sequence"))
    last = tasks[-1]
    others = sum(task.estimated_minutes for task in tasks[:-1])
    Task.objects.filter(pk=last.pk).update(estimated_minutes=minutes - others)
    Roadmap.objects.filter(pk=roadmap.pk).update(end_date=end)


def add_hours_option(client, roadmap: Roadmap) -> dict | None:
    body = catch_up(client, roadmap)
    assert body["status"] == "behind"
    return next((option for option in body["options"] if option["kind"] == "add_hours"), None)


# From Monday 23 November, 60 h a week is 720 minutes a study day: 2,160 minutes end on
# Wednesday 25 at 60 h (and on Thursday at 59 h); 2,161 minutes end on Thursday even at 60 h.
WEDNESDAY = date(2026, 11, 25)


def test_add_hours_offers_60_hours_a_week_when_exactly_60_keep_the_end(learner_client, roadmap):
    with_remaining_work_and_end(roadmap, minutes=2160, end=WEDNESDAY)

    option = add_hours_option(learner_client, roadmap)

    assert option is not None
    assert (option["weekly_hours"], option["end_date"]) == (60, WEDNESDAY.isoformat())


def test_add_hours_is_not_offered_when_keeping_the_end_needs_more_than_60_hours(learner_client, roadmap):
    with_remaining_work_and_end(roadmap, minutes=2161, end=WEDNESDAY)

    assert add_hours_option(learner_client, roadmap) is None


def test_add_hours_offers_the_hours_whose_replan_ends_exactly_on_the_planned_end(learner_client, roadmap):
    # 2,124 minutes end on Wednesday at 59 h (708 minutes a day) already.
    with_remaining_work_and_end(roadmap, minutes=2124, end=WEDNESDAY)

    option = add_hours_option(learner_client, roadmap)

    assert (option["weekly_hours"], option["end_date"]) == (59, WEDNESDAY.isoformat())
