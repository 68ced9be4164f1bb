"""The settings page: profile, time zone, hours, study days and the weekly e-mail."""

from datetime import UTC, datetime, time

import pytest
import time_machine
from django.test import Client

from tests.factories import UserFactory
from tests.roadmaps.web.pages_data import NOW

pytestmark = pytest.mark.django_db

GOOD = {
    "name": "Ada",
    "background": "software_engineer",
    "timezone": "Europe/Paris",
    "weekly_hours": "12",
    "study_days": ["2", "4", "6"],
    "nudges_enabled": "on",
    "nudge_weekday": "3",
    "nudge_hour": "18",
    "study_time": "07:30",
    "all_day_events": "on",
}


@pytest.fixture(autouse=True)
def frozen_clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def learner(db):
    return UserFactory(profile__timezone="UTC", profile__nudge_weekday=1, profile__nudge_hour=8)


@pytest.fixture
def client(client, learner):
    client.force_login(learner)
    return client


def test_the_settings_page_shows_the_current_profile(client, learner):
    page = client.get("/settings/").content.decode()

    assert f'value="{learner.name}"' in page
    assert '<option value="UTC" selected>' in page
    assert 'name="study_days" value="5" id="id_study_days_4" checked' in page
    assert "<legend>Study days" in page
    assert "Weekly e-mails are <strong>on</strong>" in page


def test_saving_settings_updates_the_profile_and_moves_the_next_email(client, learner):
    response = client.post("/settings/", GOOD)

    assert response["Location"] == "/settings/"
    profile = learner.profile
    profile.refresh_from_db()
    learner.refresh_from_db()
    assert learner.name == "Ada"
    assert (profile.timezone, profile.weekly_hours, profile.study_days) == ("Europe/Paris", 12, [2, 4, 6])
    assert (profile.nudge_weekday, profile.nudge_hour) == (3, 18)
    # Wednesday 18 Nov 2026 at 18:00 in Paris is 17:00 UTC, after "now" (12:00 UTC).
    assert profile.next_nudge_at == datetime(2026, 11, 18, 17, 0, tzinfo=UTC)
    page = client.get("/settings/").content.decode()
    assert "Your settings are saved." in page
    assert "Wednesday 18 November, 18:00" in page


def test_turning_the_weekly_email_off_shows_it_off(client, learner):
    client.post("/settings/", {**GOOD, "nudges_enabled": ""})

    learner.profile.refresh_from_db()
    assert learner.profile.nudges_enabled is False
    assert learner.profile.next_nudge_at is None
    assert "Weekly e-mails are <strong>off</strong>" in client.get("/settings/").content.decode()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("timezone", "Mars/Olympus", "Select a valid choice"),
        ("weekly_hours", "0", "greater than or equal to 1"),
        ("weekly_hours", "61", "less than or equal to 60"),
        ("study_days", [], "Choose at least one study day."),
        ("study_days", ["8"], "Select a valid choice"),
        ("nudge_hour", "24", "Select a valid choice"),
        ("background", "astronaut", "Select a valid choice"),
        ("name", "Ada\x1b[31m", "Control characters"),
        ("study_time", "25:00", "Write the time as hours and minutes, such as 19:00."),
        ("study_time", "7pm", "Write the time as hours and minutes, such as 19:00."),
        ("study_time", "", "Choose when your study sessions start, such as 19:00."),
    ],
)
def test_bad_settings_show_the_error_and_change_nothing(client, learner, field, value, message):
    response = client.post("/settings/", {**GOOD, field: value})

    assert response.status_code == 400
    assert message in response.content.decode()
    learner.profile.refresh_from_db()
    assert learner.profile.timezone == "UTC"
    assert learner.profile.weekly_hours == 10
    assert (learner.profile.study_time, learner.profile.all_day_events) == (time(19, 0), False)
    learner.refresh_from_db()
    assert "\x1b" not in learner.name


def test_settings_need_a_login(db):
    assert Client().get("/settings/")["Location"] == "/login/?next=/settings/"
    assert Client().post("/settings/", GOOD)["Location"] == "/login/?next=/settings/"


def test_the_settings_page_shows_the_study_time_and_the_calendar_style(client, learner):
    page = client.get("/settings/").content.decode()

    assert '<input type="time" name="study_time" value="19:00"' in page
    assert 'name="all_day_events"' in page and 'name="all_day_events" id="id_all_day_events" checked' not in page


def test_saving_the_study_time_and_all_day_events_stores_them_as_the_api_would(client, learner):
    response = client.post("/settings/", GOOD)

    learner.profile.refresh_from_db()
    assert response.status_code == 302
    assert (learner.profile.study_time, learner.profile.all_day_events) == (time(7, 30), True)
    page = client.get("/settings/").content.decode()
    assert 'value="07:30"' in page
    assert 'name="all_day_events" id="id_all_day_events" checked' in page


def test_a_bad_study_time_is_shown_beside_its_field(client):
    response = client.post("/settings/", {**GOOD, "study_time": "25:00"})

    page = response.content.decode()
    assert response.status_code == 400
    assert 'id="id_study_time_error"' in page
    assert 'aria-invalid="true"' in page.split('name="study_time"')[1].split(">")[0]
