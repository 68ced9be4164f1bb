"""Redis down (the cache and the Celery broker at a closed loopback port): the service degrades, it does not fail.

Sign-in, sign-up, the pages, the calendar feed (from the database), rotating and
revoking the feed keep working; throttles fail open with a logged warning; an
export request is stored, answered 202 and sent by the sweep once the broker is back.
"""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from accounts.models import User
from roadmaps.calendar import services as calendar_services
from roadmaps.models import CalendarExport, CalendarFeed
from tests.conftest import client_for
from tests.factories import PASSWORD, UserFactory
from tests.roadmaps.calendar.data import roadmap_with_tasks
from tests.servers import broker_unreachable, free_port

pytestmark = pytest.mark.django_db

OUTAGE_WARNING = "Cache unreachable, going on without it"


@pytest.fixture
def redis_down(settings):
    """The cache at a closed port (the configured backend and options, another address),
    and Celery's producers pointed at another closed port."""
    from config import celery_app

    dead = f"redis://127.0.0.1:{free_port()}/0"
    settings.CACHES = {name: {**cache, "LOCATION": dead} for name, cache in settings.CACHES.items()}
    with broker_unreachable(celery_app):
        yield


@pytest.fixture
def grace(db):
    return UserFactory(email="grace@example.com")


def feed_path(feed: CalendarFeed) -> str:
    return f"/calendar/{feed.token}.ics"


@pytest.mark.usefixtures("redis_down")
def test_token_login_works(grace):
    response = Client().post(
        "/api/auth/token/", {"email": grace.email, "password": PASSWORD}, content_type="application/json"
    )

    assert response.status_code == 200
    assert response.json()["token"]


@pytest.mark.usefixtures("redis_down")
def test_api_sign_up_works():
    body = {"email": "new@example.com", "password": PASSWORD}

    response = Client().post("/api/auth/register/", body, content_type="application/json")

    assert response.status_code == 201
    assert User.objects.filter(email="new@example.com").exists()


@pytest.mark.usefixtures("redis_down")
def test_the_log_in_page_signs_in(grace):
    client = Client()

    response = client.post("/login/", {"username": grace.email, "password": PASSWORD})

    assert response.status_code == 302
    assert client.get("/dashboard/").status_code == 200


@pytest.mark.usefixtures("redis_down")
def test_the_sign_up_page_creates_the_account():
    body = {"email": "new@example.com", "name": "Ada", "password": PASSWORD, "timezone": "Europe/Paris"}

    response = Client().post("/signup/", body)

    assert response.status_code == 302
    assert User.objects.filter(email="new@example.com").exists()


@pytest.mark.usefixtures("redis_down")
@pytest.mark.parametrize("path", ["/", "/dashboard/", "/calendar/", "/settings/", "/start/"])
def test_the_pages_answer(client, grace, path):
    roadmap_with_tasks(grace, tasks=3)
    client.force_login(grace)

    assert client.get(path).status_code == 200


@pytest.mark.usefixtures("redis_down")
def test_the_feed_is_served_from_the_database_and_answers_conditional_requests(grace):
    roadmap_with_tasks(grace, tasks=3)
    path = feed_path(calendar_services.feed_get_or_create(user=grace))

    first = Client().get(path)
    again = Client().get(path, HTTP_IF_NONE_MATCH=first["ETag"])

    assert first.status_code == 200
    assert b"BEGIN:VEVENT" in first.content
    assert again.status_code == 304


@pytest.mark.usefixtures("redis_down")
def test_rotating_the_feed_works_and_the_old_url_is_dead_at_once(grace):
    old = calendar_services.feed_get_or_create(user=grace)

    response = client_for(grace).post("/api/calendar/rotate/")

    assert response.status_code == 200
    assert old.token not in response.json()["feed_url"]
    assert Client().get(feed_path(old)).status_code == 404
    assert Client().get(response.json()["feed_url"].split("localhost:8000", 1)[1]).status_code == 200


@pytest.mark.usefixtures("redis_down")
def test_revoking_the_feed_works_and_its_url_is_dead_at_once(grace):
    feed = calendar_services.feed_get_or_create(user=grace)

    response = client_for(grace).delete("/api/calendar/")

    assert response.status_code == 204
    assert not CalendarFeed.objects.filter(user=grace).exists()
    assert Client().get(feed_path(feed)).status_code == 404


@pytest.mark.usefixtures("redis_down")
def test_an_export_is_stored_answered_202_and_queued_by_the_sweep_later(grace, django_capture_on_commit_callbacks):
    plan = roadmap_with_tasks(grace, tasks=3)

    # The job is queued after commit, for real: the broker refuses the connection.
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client_for(grace).post(f"/api/roadmaps/{plan.roadmap.id}/export/")

    assert response.status_code == 202
    export = CalendarExport.objects.get(pk=response.json()["id"])
    assert export.status == CalendarExport.Status.PENDING
    assert len(callbacks) == 1
    queued: list[list[str]] = []
    later = timezone.now() + calendar_services.EXPORT_STALL + timedelta(minutes=1)
    with django_capture_on_commit_callbacks(execute=True):
        assert calendar_services.requeue_stalled_exports(now=later, enqueue=queued.append) == 1
    assert queued == [[str(export.id)]]


@pytest.mark.usefixtures("redis_down")
def test_throttles_fail_open_with_a_logged_warning(grace, caplog, settings):
    # The lockout after repeated wrong passwords is in the database and holds (tests/accounts/
    # test_sign_in_limits.py); out of the way here, so only the cache's throttles are seen.
    settings.AXES_FAILURE_LIMIT = 100
    client = Client(REMOTE_ADDR="203.0.113.7")
    body = {"email": grace.email, "password": "wrong guess"}

    with caplog.at_level(logging.WARNING, logger="planner.cache"):
        responses = [client.post("/api/auth/token/", body, content_type="application/json") for _ in range(15)]

    statuses = {response.status_code for response in responses}
    assert statuses == {400}  # the limit is 10 a minute: it was not counted, nothing answered 500
    warnings = [record for record in caplog.records if record.name == "planner.cache"]
    assert warnings
    assert all(record.levelno == logging.WARNING and record.exc_info is None for record in warnings)
    assert "Connection refused" in warnings[0].getMessage()
