"""One's own data: GET /api/me/export/ and DELETE /api/me/, and the same on the settings page."""

from __future__ import annotations

import json
from datetime import date

import pytest
from django.test import Client
from django.utils import timezone
from knox.models import AuthToken
from rest_framework.test import APIClient

from accounts import personal_data
from accounts.models import Profile, User
from roadmaps.calendar import services as calendar_services
from roadmaps.models import CalendarExport, CalendarFeed, NudgeDelivery, Roadmap, Task
from tests.conftest import client_for
from tests.factories import PASSWORD, UserFactory, token_for
from tests.roadmaps.calendar.data import roadmap_with_tasks

pytestmark = pytest.mark.django_db


@pytest.fixture
def ada():
    user = UserFactory(email="ada@example.com", name="Ada")
    plan = roadmap_with_tasks(user, tasks=3)
    feed = calendar_services.feed_get_or_create(user=user)
    CalendarExport.objects.create(user=user, roadmap=plan.roadmap)
    NudgeDelivery.objects.create(
        user=user,
        roadmap=plan.roadmap,
        week_start=date(2026, 11, 2),
        scheduled_for=timezone.now(),
        local_date=date(2026, 11, 2),
    )
    user.feed = feed
    return user


@pytest.fixture
def stranger():
    user = UserFactory(email="stranger@example.com")
    roadmap_with_tasks(user, tasks=2)
    calendar_services.feed_get_or_create(user=user)
    return user


def test_the_export_holds_everything_stored_about_the_learner(ada):
    response = client_for(ada).get("/api/me/export/")

    assert response.status_code == 200
    data = response.json()
    assert data["account"]["email"] == "ada@example.com"
    assert data["account"]["name"] == "Ada"
    assert data["profile"]["timezone"] == "UTC"
    assert data["profile"]["study_days"] == [1, 2, 3, 4, 5]
    (roadmap,) = data["roadmaps"]
    assert len(roadmap["tasks"]) == 3
    assert roadmap["role"] == Roadmap.objects.get(user=ada).role.slug
    assert len(data["nudge_deliveries"]) == 1
    assert data["calendar_feed"]["active"] is True
    assert len(data["calendar_exports"]) == 1
    assert len(data["api_tokens"]) == 1


def test_the_export_never_holds_a_secret(ada):
    client = client_for(ada)
    stored_token = AuthToken.objects.get(user=ada)

    text = client.get("/api/me/export/").content.decode()

    for secret in (ada.feed.token, ada.feed.token_digest, ada.password, stored_token.digest, token_for(ada)):
        assert secret not in text
    assert "password" not in json.loads(text)["account"]


def test_the_export_holds_nothing_of_anyone_else(ada, stranger):
    text = client_for(ada).get("/api/me/export/").content.decode()

    assert "stranger@example.com" not in text
    for task in Task.objects.filter(roadmap__user=stranger):
        assert str(task.uid) not in text


def test_the_export_reads_a_fixed_number_of_queries(ada, django_assert_num_queries):
    roadmap_with_tasks(UserFactory(), tasks=1)  # someone else's rows change nothing
    with django_assert_num_queries(8):
        personal_data.personal_data_export(user=ada)
    roadmap_with_tasks(ada, tasks=5)
    roadmap_with_tasks(ada, tasks=2)
    with django_assert_num_queries(8):
        personal_data.personal_data_export(user=ada)


def test_deleting_the_account_removes_everything_and_kills_the_feed_and_tokens(ada, stranger):
    client = client_for(ada)
    feed_path = f"/calendar/{ada.feed.token}.ics"
    assert Client().get(feed_path).status_code == 200

    response = client.delete("/api/me/", {"password": PASSWORD}, format="json")

    assert response.status_code == 204
    assert not User.objects.filter(pk=ada.pk).exists()
    for model in (Profile, Roadmap, CalendarFeed, CalendarExport, NudgeDelivery, AuthToken):
        assert not model.objects.filter(user=ada.pk).exists()
    assert not Task.objects.filter(roadmap__user=ada.pk).exists()
    assert Client().get(feed_path).status_code == 404
    assert client.get("/api/me/").status_code == 401
    assert User.objects.filter(pk=stranger.pk).exists()
    assert Roadmap.objects.filter(user=stranger).count() == 1


@pytest.mark.parametrize("body", [{}, {"password": "not-it"}, {"password": ""}])
def test_deleting_without_the_right_password_changes_nothing(ada, body):
    response = client_for(ada).delete("/api/me/", body, format="json")

    assert response.status_code == 400
    assert "password" in response.json()
    assert User.objects.filter(pk=ada.pk).exists()
    assert Roadmap.objects.filter(user=ada).exists()


def test_deleting_needs_a_login():
    assert APIClient().delete("/api/me/", {"password": PASSWORD}, format="json").status_code == 401


# --- The settings page -----------------------------------------------------------------------


def test_the_settings_page_offers_the_download_and_the_deletion(client, ada):
    client.force_login(ada)

    page = client.get("/settings/")

    assert b'href="/settings/data/"' in page.content
    assert b'href="/settings/delete/"' in page.content


def test_the_settings_page_downloads_the_same_data_as_the_api(client, ada):
    client.force_login(ada)

    response = client.get("/settings/data/")

    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="roadmap-planner-data.json"'
    data = json.loads(response.content)
    assert data["account"]["email"] == ada.email
    assert len(data["roadmaps"][0]["tasks"]) == 3
    assert ada.feed.token not in response.content.decode()


def test_the_settings_page_deletes_the_account_once_the_password_is_confirmed(client, ada):
    client.force_login(ada)
    feed_path = f"/calendar/{ada.feed.token}.ics"

    wrong = client.post("/settings/delete/", {"password": "not-it"})
    assert wrong.status_code == 400
    assert User.objects.filter(pk=ada.pk).exists()

    response = client.post("/settings/delete/", {"password": PASSWORD})

    assert response.status_code == 302
    assert response["Location"] == "/"
    assert not User.objects.filter(pk=ada.pk).exists()
    assert client.get("/dashboard/").status_code == 302
    assert Client().get(feed_path).status_code == 404


def test_the_data_pages_need_a_login(client):
    assert client.get("/settings/data/").status_code == 302
    assert client.post("/settings/delete/", {"password": PASSWORD}).status_code == 302
