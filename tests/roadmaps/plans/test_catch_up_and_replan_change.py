"""Re-plan answers its change (and previews); catch-up offers and applies three worked-out options."""

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine

from roadmaps.models import Milestone, Roadmap, Task
from tests.factories import RoleFactory, SkillFactory, make_track

pytestmark = pytest.mark.django_db

START = date(2026, 11, 2)  # a Monday
NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)  # three weeks later


@pytest.fixture
def catalog():
    role = RoleFactory(slug="ml-engineer")
    # 4 milestones x 10 h; the last one optional.
    track = make_track(slug="ml-track", milestones_per_phase=(2, 2), hours=10, skills=[SkillFactory()])
    track.roles.add(role)
    last = Milestone.objects.filter(phase__track=track).order_by("phase__order", "order").last()
    last.optional = True
    last.save()
    return last


@pytest.fixture
def roadmap(learner_client, catalog):
    body = {"role": "ml-engineer", "track": "ml-track", "start_date": START.isoformat(), "weekly_hours": 5}
    with time_machine.travel(datetime(2026, 11, 2, 9, 0, tzinfo=UTC), tick=False):
        response = learner_client.post("/api/roadmaps/", body, format="json")
    assert response.status_code == 201, response.json()
    return response.json()


@pytest.fixture(autouse=True)
def frozen_clock():
    with time_machine.travel(NOW, tick=False):
        yield


def test_a_replan_answers_its_change(learner_client, roadmap):
    response = learner_client.post(f"/api/roadmaps/{roadmap['id']}/replan/", {}, format="json")

    change = response.json()["change"]
    assert change["end_date_before"] == roadmap["end_date"]
    assert change["end_date_after"] == response.json()["end_date"] > roadmap["end_date"]
    assert change["moved_tasks"] == [task["id"] for task in roadmap["tasks"]]
    assert change["preview"] is False


def test_a_replan_preview_answers_the_change_and_stores_nothing(learner_client, roadmap):
    before = list(Task.objects.order_by("id").values_list("start_date", "due_date", "updated_at"))

    response = learner_client.post(
        f"/api/roadmaps/{roadmap['id']}/replan/", {"preview": True, "weekly_hours": 1}, format="json"
    )

    change = response.json()["change"]
    assert change["preview"] is True and change["end_date_after"] > change["end_date_before"]
    assert response.json()["end_date"] == roadmap["end_date"]
    assert list(Task.objects.order_by("id").values_list("start_date", "due_date", "updated_at")) == before
    assert Roadmap.objects.get().weekly_hours == 5


def test_a_replan_that_changes_no_date_writes_nothing(learner_client, roadmap, django_assert_max_num_queries):
    learner_client.post(f"/api/roadmaps/{roadmap['id']}/replan/", {}, format="json")
    stamp = Roadmap.objects.get().updated_at
    tasks = list(Task.objects.order_by("id").values_list("updated_at", "calendar_revision"))

    with django_assert_max_num_queries(100) as captured:
        again = learner_client.post(f"/api/roadmaps/{roadmap['id']}/replan/", {}, format="json").json()

    assert again["change"]["moved_tasks"] == []
    assert not [q for q in captured.captured_queries if q["sql"].startswith(("UPDATE", "INSERT", "DELETE"))]
    assert Roadmap.objects.get().updated_at == stamp
    assert list(Task.objects.order_by("id").values_list("updated_at", "calendar_revision")) == tasks


def test_a_learner_who_is_behind_gets_three_worked_out_options(learner_client, roadmap):
    body = learner_client.get(f"/api/roadmaps/{roadmap['id']}/catch-up/").json()

    assert body["status"] == "behind"
    assert body["hours_behind"] == 15  # three weeks at 5 h, nothing done
    options = {option["kind"]: option for option in body["options"]}
    assert set(options) == {"extend", "add_hours", "drop_optional"}
    assert options["extend"]["weekly_hours"] == 5 and options["extend"]["end_date"] > roadmap["end_date"]
    assert options["add_hours"]["weekly_hours"] > 5 and options["add_hours"]["end_date"] <= roadmap["end_date"]
    assert options["drop_optional"]["dropped_milestones"] and options["drop_optional"]["hours_saved"] == 10


def test_add_hours_offers_the_smallest_weekly_hours_that_keeps_the_end(learner_client, roadmap):
    options = learner_client.get(f"/api/roadmaps/{roadmap['id']}/catch-up/").json()["options"]
    hours = next(o for o in options if o["kind"] == "add_hours")["weekly_hours"]

    one_less = learner_client.post(
        f"/api/roadmaps/{roadmap['id']}/replan/", {"preview": True, "weekly_hours": hours - 1}, format="json"
    ).json()
    exact = learner_client.post(
        f"/api/roadmaps/{roadmap['id']}/replan/", {"preview": True, "weekly_hours": hours}, format="json"
    ).json()
    assert one_less["change"]["end_date_after"] > roadmap["end_date"] >= exact["change"]["end_date_after"]


@pytest.mark.parametrize("kind", ["extend", "add_hours", "drop_optional"])
def test_applying_an_option_gives_the_end_date_it_promised(learner_client, roadmap, kind):
    options = learner_client.get(f"/api/roadmaps/{roadmap['id']}/catch-up/").json()["options"]
    promised = next(o for o in options if o["kind"] == kind)

    response = learner_client.post(f"/api/roadmaps/{roadmap['id']}/catch-up/", {"kind": kind}, format="json")

    assert response.status_code == 200
    assert response.json()["end_date"] == promised["end_date"]
    assert response.json()["weekly_hours"] == promised["weekly_hours"]


def test_dropping_optional_milestones_skips_their_tasks(learner_client, roadmap, catalog):
    learner_client.post(f"/api/roadmaps/{roadmap['id']}/catch-up/", {"kind": "drop_optional"}, format="json")

    assert set(Task.objects.filter(milestone=catalog).values_list("status", flat=True)) == {"skipped"}


def test_an_option_not_offered_is_a_400_naming_kind(learner_client, roadmap):
    Task.objects.update(status="done", completed_at=NOW - timedelta(days=1))

    response = learner_client.post(f"/api/roadmaps/{roadmap['id']}/catch-up/", {"kind": "extend"}, format="json")

    assert response.status_code == 400
    assert "kind" in response.json()
    assert learner_client.get(f"/api/roadmaps/{roadmap['id']}/catch-up/").json()["options"] == []
