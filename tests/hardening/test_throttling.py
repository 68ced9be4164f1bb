"""Sign-up, token login and the feed are throttled: 429 with Retry-After, per address and per feed token.

What tests/accounts/test_auth_api.py and tests/roadmaps/test_calendar_feed.py
already show (sign-up's 429, login's 429, one feed token's 429) is not repeated.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.utils import timezone
from rest_framework.throttling import SimpleRateThrottle

from roadmaps.calendar import services as calendar_services
from roadmaps.calendar.api import FeedAddressThrottle, FeedTokenThrottle
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

HOME, OFFICE = "203.0.113.7", "198.51.100.23"


def allowed(scope: str) -> int:
    return int(SimpleRateThrottle.THROTTLE_RATES[scope].split("/")[0])


def sign_up(client, n: int, **headers):
    body = {"email": f"learner{n}@example.com", "password": PASSWORD}
    return client.post("/api/auth/register/", body, content_type="application/json", **headers)


def log_in(client, **headers):
    body = {"email": "grace@example.com", "password": "guess"}
    return client.post("/api/auth/token/", body, content_type="application/json", **headers)


def retry_after(response) -> int:
    return int(response["Retry-After"])


def feed_path(user) -> str:
    return f"/calendar/{calendar_services.feed_get_or_create(user=user).token}.ics"


# --- Sign-up and token login ------------------------------------------------------------------


def test_token_login_throttle_says_when_to_retry():
    client = Client(REMOTE_ADDR=HOME)
    for _ in range(allowed("login")):
        log_in(client)

    response = log_in(client)

    assert response.status_code == 429
    assert 0 < retry_after(response) <= 60
    assert "detail" in response.json()


def test_sign_up_throttle_counts_per_address():
    at_home, at_the_office = Client(REMOTE_ADDR=HOME), Client(REMOTE_ADDR=OFFICE)
    for n in range(allowed("register")):
        assert sign_up(at_home, n).status_code == 201

    assert sign_up(at_home, 100).status_code == 429
    assert sign_up(at_the_office, 101).status_code == 201


def test_token_login_throttle_counts_per_address():
    UserFactory(email="grace@example.com")
    at_home, at_the_office = Client(REMOTE_ADDR=HOME), Client(REMOTE_ADDR=OFFICE)
    for _ in range(allowed("login")):
        log_in(at_home)

    assert log_in(at_home).status_code == 429
    assert log_in(at_the_office).status_code == 400


@pytest.mark.parametrize("forged", ["10.0.0.1", "10.0.0.1, 10.0.0.2", "garbage"])
def test_a_forged_forwarded_for_header_does_not_reset_the_count(forged):
    """With no proxy configured (NUM_PROXIES=0), X-Forwarded-For is the client's own claim."""
    client = Client(REMOTE_ADDR=HOME)
    for n in range(allowed("register")):
        sign_up(client, n)

    assert sign_up(client, 100, HTTP_X_FORWARDED_FOR=forged).status_code == 429


def test_a_throttled_sign_up_stores_nothing():
    client = Client(REMOTE_ADDR=HOME)
    for n in range(allowed("register")):
        sign_up(client, n)

    sign_up(client, 100)

    assert not UserFactory._meta.model.objects.filter(email="learner100@example.com").exists()


def test_sign_up_opens_again_once_the_window_has_passed():
    client = Client(REMOTE_ADDR=HOME)
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        for n in range(allowed("register")):
            sign_up(client, n)
        wait = retry_after(sign_up(client, 100))

        traveller.shift(timedelta(seconds=wait + 1))

        assert sign_up(client, 101).status_code == 201


# --- The feed: per token and per address --------------------------------------------------------


@pytest.fixture
def tight_feed_limits(monkeypatch):
    monkeypatch.setattr(FeedTokenThrottle, "rate", "3/minute", raising=False)
    monkeypatch.setattr(FeedAddressThrottle, "rate", "5/minute", raising=False)


@pytest.mark.usefixtures("tight_feed_limits")
def test_the_feed_token_throttle_says_when_to_retry_and_is_never_cached():
    path = feed_path(UserFactory())
    client = Client(REMOTE_ADDR=HOME)
    for _ in range(3):
        assert client.get(path).status_code == 200

    response = client.get(path)

    assert response.status_code == 429
    assert 0 < retry_after(response) <= 60
    assert response["Cache-Control"] == "no-store"


@pytest.mark.usefixtures("tight_feed_limits")
def test_one_busy_feed_token_does_not_hold_up_another():
    busy, quiet = feed_path(UserFactory()), feed_path(UserFactory())
    client = Client(REMOTE_ADDR=HOME)
    for _ in range(3):
        client.get(busy)

    assert client.get(busy).status_code == 429
    assert client.get(quiet).status_code == 200  # the address's fifth request: still within its limit


@pytest.mark.usefixtures("tight_feed_limits")
def test_one_address_polling_many_feed_tokens_is_throttled_across_all_of_them():
    paths = [feed_path(UserFactory()) for _ in range(6)]
    client = Client(REMOTE_ADDR=HOME)

    statuses = [client.get(path).status_code for path in paths]

    assert statuses == [200] * 5 + [429]
    assert 0 < retry_after(client.get(paths[0])) <= 60


@pytest.mark.usefixtures("tight_feed_limits")
def test_guessing_feed_tokens_counts_against_the_address():
    """Unknown tokens answer 404 but still count, so guessing runs into the limit too."""
    real = feed_path(UserFactory())
    client = Client(REMOTE_ADDR=HOME)

    guesses = [client.get(f"/calendar/guess-{n}.ics").status_code for n in range(5)]

    assert guesses == [404] * 5
    assert client.get(real).status_code == 429
    assert client.get(f"/calendar/guess-{99}.ics").status_code == 429


@pytest.mark.usefixtures("tight_feed_limits")
def test_the_feed_address_throttle_leaves_other_addresses_alone():
    paths = [feed_path(UserFactory()) for _ in range(6)]
    at_home = Client(REMOTE_ADDR=HOME)
    for path in paths:
        at_home.get(path)

    assert at_home.get(paths[5]).status_code == 429
    assert Client(REMOTE_ADDR=OFFICE).get(paths[5]).status_code == 200


@pytest.mark.usefixtures("tight_feed_limits")
def test_conditional_feed_requests_count_too():
    path = feed_path(UserFactory())
    client = Client(REMOTE_ADDR=HOME)
    etag = client.get(path)["ETag"]

    statuses = [client.get(path, HTTP_IF_NONE_MATCH=etag).status_code for _ in range(3)]

    assert statuses == [304, 304, 429]


@pytest.mark.usefixtures("tight_feed_limits")
def test_the_feed_answers_again_once_the_window_has_passed():
    path = feed_path(UserFactory())
    client = Client(REMOTE_ADDR=HOME)
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        for _ in range(3):
            client.get(path)
        wait = retry_after(client.get(path))

        traveller.shift(timedelta(seconds=wait + 1))

        assert client.get(path).status_code == 200
