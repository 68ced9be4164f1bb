"""POST /api/roadmaps/preview/ stores nothing; a plan that cannot fit answers with fixes that preview."""

from datetime import UTC, date, datetime

import pytest
import time_machine

from roadmaps.models import Milestone, Roadmap
from tests.factories import RoleFactory, SkillFactory, make_track

pytestmark = pytest.mark.django_db

TODAY = date(2026, 11, 16)


@pytest.fixture(autouse=True)
def frozen_clock():
    with time_machine.travel(datetime(2026, 11, 16, 12, 0, tzinfo=UTC), tick=False):
        yield


@pytest.fixture
def catalog():
    role = RoleFactory(slug="ml-engineer")
    # 2 phases x 2 milestones x 20 h = 80 h over 8 weeks.
    track = make_track(slug="ml-track", milestones_per_phase=(2, 2), hours=20, skills=[SkillFactory()])
    track.roles.add(role)
    return track


def body(**overrides):
    return {"role": "ml-engineer", "track": "ml-track", "start_date": TODAY.isoformat(), "weekly_hours": 5, **overrides}


def test_a_preview_answers_the_plans_dates_and_phases_and_stores_nothing(learner_client, catalog):
    response = learner_client.post("/api/roadmaps/preview/", body(weekly_hours=10), format="json")

    assert response.status_code == 200
    preview = response.json()
    created = learner_client.post("/api/roadmaps/", body(weekly_hours=10), format="json").json()
    assert Roadmap.objects.count() == 1  # only the one created after the preview
    assert (preview["start_date"], preview["end_date"]) == (created["start_date"], created["end_date"])
    assert (preview["total_hours"], preview["weekly_hours"], preview["tasks_count"]) == (80, 10, len(created["tasks"]))
    assert [p["hours"] for p in preview["phases"]] == [40, 40]
    assert preview["phases"][-1]["end_date"] == created["end_date"]


def test_a_preview_gives_the_same_400s_as_create(learner_client, catalog):
    RoleFactory(slug="prompt-engineer")
    response = learner_client.post("/api/roadmaps/preview/", body(role="prompt-engineer"), format="json")

    assert response.status_code == 400
    assert "track" in response.json()


def test_a_plan_that_cannot_fit_its_target_names_the_hours_and_offers_fixes_that_each_preview(learner_client, catalog):
    response = learner_client.post("/api/roadmaps/", body(target_weeks=4), format="json")

    assert response.status_code == 400
    answer = response.json()
    assert "weekly_hours" in answer
    fixes = answer["fixes"]
    assert fixes[0]["weekly_hours"] == answer["required_weekly_hours"] > 5
    assert fixes[1]["weekly_hours"] == 5 and fixes[1]["target_weeks"] > 4
    for fix in fixes:
        assert learner_client.post("/api/roadmaps/preview/", fix, format="json").status_code == 200
    assert not Roadmap.objects.exists()


def test_the_smallest_fitting_target_is_offered(learner_client, catalog):
    fixes = learner_client.post("/api/roadmaps/", body(target_weeks=4), format="json").json()["fixes"]
    target = fixes[1]["target_weeks"]

    one_less = learner_client.post("/api/roadmaps/preview/", {**fixes[1], "target_weeks": target - 1}, format="json")
    assert one_less.status_code == 400


def test_dropping_optional_milestones_is_offered_when_the_track_has_some(learner_client, catalog):
    optional = Milestone.objects.filter(phase__track=catalog).order_by("phase__order", "order").first()
    optional.optional = True
    optional.save()

    # Phase 1's 40 h cannot end by week 6 at 5 h a week; without its optional 20 h it can.
    fixes = learner_client.post("/api/roadmaps/", body(target_weeks=12), format="json").json()["fixes"]

    dropping = [fix for fix in fixes if fix.get("drop_milestones")]
    assert [fix["drop_milestones"] for fix in dropping] == [[optional.slug]]
    preview = learner_client.post("/api/roadmaps/preview/", dropping[0], format="json").json()
    assert preview["total_hours"] == 60


def test_only_optional_milestones_can_be_dropped(learner_client, catalog):
    required = Milestone.objects.filter(phase__track=catalog).first()

    response = learner_client.post("/api/roadmaps/preview/", body(drop_milestones=[required.slug]), format="json")

    assert response.status_code == 400
    assert "drop_milestones" in response.json()
