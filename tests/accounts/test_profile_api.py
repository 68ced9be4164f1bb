"""The learner's profile: GET and PATCH /api/me/."""

from datetime import UTC, datetime

import pytest
import time_machine

from accounts.models import Profile, User
from tests.conftest import client_for
from tests.factories import SkillFactory

pytestmark = pytest.mark.django_db

PROFILE_FIELDS = {
    "email",
    "name",
    "timezone",
    "weekly_hours",
    "study_days",
    "nudges_enabled",
    "nudge_weekday",
    "nudge_hour",
    "known_skills",
    "background",
}


def test_the_profile_has_every_field_the_api_promises(learner_client):
    body = learner_client.get("/api/me/").json()

    assert set(body) >= PROFILE_FIELDS


def test_patch_updates_the_writable_fields(learner_client):
    SkillFactory(slug="python")
    SkillFactory(slug="sql")
    change = {
        "name": "Ada L.",
        "timezone": "Asia/Kolkata",
        "weekly_hours": 12,
        "study_days": [6, 7, 1],
        "known_skills": ["python", "sql"],
        "background": "career_changer",
        "nudge_weekday": 7,
        "nudge_hour": 18,
    }

    response = learner_client.patch("/api/me/", change, format="json")

    assert response.status_code == 200
    body = learner_client.get("/api/me/").json()
    assert body["name"] == "Ada L."
    assert body["timezone"] == "Asia/Kolkata"
    assert body["study_days"] == [1, 6, 7]
    assert sorted(body["known_skills"]) == ["python", "sql"]
    assert body["background"] == "career_changer"


@pytest.mark.parametrize(
    "field, value",
    [
        ("weekly_hours", 0),
        ("weekly_hours", 500),
        ("study_days", []),
        ("study_days", [0, 8]),
        ("timezone", "Not/AZone"),
        ("nudge_hour", 24),
        ("nudge_weekday", 0),
        ("known_skills", ["no-such-skill"]),
        ("background", "astronaut"),
    ],
)
def test_bad_profile_values_are_refused_by_name_and_change_nothing(learner_client, field, value):
    before = learner_client.get("/api/me/").json()

    response = learner_client.patch("/api/me/", {field: value}, format="json")

    assert response.status_code == 400
    assert field in response.json()
    assert learner_client.get("/api/me/").json() == before


def test_the_email_cannot_be_changed_through_the_profile(learner_client, learner):
    learner_client.patch("/api/me/", {"email": "other@example.com"}, format="json")

    learner.refresh_from_db()
    assert learner.email != "other@example.com"


@time_machine.travel(datetime(2026, 11, 18, 12, 0, tzinfo=UTC), tick=False)
def test_changing_the_nudge_slot_moves_the_next_nudge_to_that_local_time(learner_client, learner):
    learner_client.patch(
        "/api/me/", {"timezone": "America/New_York", "nudge_weekday": 5, "nudge_hour": 9}, format="json"
    )

    learner.profile.refresh_from_db()
    # Friday 2026-11-20 09:00 in New York (EST, UTC-5) is 14:00 UTC.
    assert learner.profile.next_nudge_at == datetime(2026, 11, 20, 14, 0, tzinfo=UTC)


def test_turning_nudges_off_clears_the_next_nudge(learner_client, learner):
    learner_client.patch("/api/me/", {"nudges_enabled": False}, format="json")

    learner.profile.refresh_from_db()
    assert learner.profile.next_nudge_at is None


@time_machine.travel(datetime(2026, 11, 18, 12, 0, tzinfo=UTC), tick=False)
def test_an_account_made_without_a_profile_gets_one_with_its_first_nudge_slot_on_first_use():
    admin = User.objects.create_superuser(email="admin@example.com", password="a long admin passphrase")
    assert not Profile.objects.filter(user=admin).exists()

    response = client_for(admin).get("/api/me/")

    assert response.status_code == 200
    # The default slot: Monday 08:00 UTC, the first one after Wednesday noon.
    assert Profile.objects.get(user=admin).next_nudge_at == datetime(2026, 11, 23, 8, 0, tzinfo=UTC)


def test_study_time_and_all_day_events_default_to_seven_pm_and_timed_events(learner_client):
    body = learner_client.get("/api/me/").json()

    assert body["study_time"] == "19:00"
    assert body["all_day_events"] is False


def test_study_time_and_all_day_events_can_be_changed(learner_client, learner):
    response = learner_client.patch("/api/me/", {"study_time": "06:45", "all_day_events": True}, format="json")

    assert response.status_code == 200
    assert response.json()["study_time"] == "06:45"
    learner.profile.refresh_from_db()
    assert learner.profile.study_time.strftime("%H:%M") == "06:45"
    assert learner.profile.all_day_events is True


@pytest.mark.parametrize("value", ["25:00", "7pm", "", "19:00:61"])
def test_a_study_time_that_is_not_hh_mm_is_refused(learner_client, value):
    response = learner_client.patch("/api/me/", {"study_time": value}, format="json")

    assert response.status_code == 400
    assert "study_time" in response.json()


@pytest.mark.parametrize("value", [0, 1, "yes", "true", "off"])
def test_a_boolean_must_be_a_json_boolean(learner_client, value):
    response = learner_client.patch("/api/me/", {"nudges_enabled": value}, format="json")

    assert response.status_code == 400
    assert list(response.json()) == ["nudges_enabled"]
