"""API tokens (django-rest-knox): hashed, expiring after idle days, revoked on log-out and password changes."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.test import Client
from django.utils import timezone
from knox.models import AuthToken
from rest_framework.test import APIClient

from accounts import tokens
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db
NEW_PASSWORD = "Another-long-passphrase-7"


def client_with(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


def works(token: str) -> bool:
    return client_with(token).get("/api/me/").status_code == 200


def log_in(email: str, password: str = PASSWORD) -> str:
    response = APIClient().post("/api/auth/token/", {"email": email, "password": password}, format="json")
    assert response.status_code == 200
    return response.json()["token"]


@pytest.fixture
def grace():
    return UserFactory(email="grace@example.com")


def test_tokens_are_stored_as_digests_only(grace):
    token = log_in(grace.email)

    (stored,) = AuthToken.objects.filter(user=grace)
    assert token not in (stored.digest, stored.token_key)
    assert len(stored.digest) == 128
    assert not AuthToken.objects.filter(digest=token).exists()


def test_each_sign_in_gets_a_token_of_its_own_and_both_work(grace):
    first, second = log_in(grace.email), log_in(grace.email)

    assert first != second
    assert works(first) and works(second)


def test_a_token_expires_after_thirty_idle_days(grace):
    token = log_in(grace.email)

    with time_machine.travel(timezone.now() + timedelta(days=30, minutes=1)):
        assert not works(token)
    assert not AuthToken.objects.filter(user=grace).exists()


def test_using_a_token_keeps_it_alive(grace):
    token = log_in(grace.email)
    start = timezone.now()

    for day in (20, 40, 60):
        with time_machine.travel(start + timedelta(days=day)):
            assert works(token)


def test_the_idle_days_come_from_the_settings(grace, settings):
    settings.REST_KNOX = {**settings.REST_KNOX, "TOKEN_TTL": timedelta(days=2)}
    token = log_in(grace.email)

    with time_machine.travel(timezone.now() + timedelta(days=2, minutes=1)):
        assert not works(token)


def test_log_out_revokes_the_token_used_and_only_it(grace):
    used, other = log_in(grace.email), log_in(grace.email)

    response = client_with(used).post("/api/auth/logout/")

    assert response.status_code == 204
    assert not works(used)
    assert works(other)


def test_log_out_without_a_token_is_refused():
    assert APIClient().post("/api/auth/logout/").status_code == 401


def test_a_password_change_revokes_every_older_token_and_answers_a_new_one(grace):
    used, other = log_in(grace.email), log_in(grace.email)

    response = client_with(used).post(
        "/api/auth/password/", {"current_password": PASSWORD, "new_password": NEW_PASSWORD}, format="json"
    )

    assert response.status_code == 200
    assert set(response.json()) == {"token"}
    assert not works(used) and not works(other)
    assert works(response.json()["token"])
    assert log_in(grace.email, NEW_PASSWORD)


def test_a_password_change_with_a_wrong_current_password_changes_nothing(grace):
    token = log_in(grace.email)

    response = client_with(token).post(
        "/api/auth/password/", {"current_password": "not-it", "new_password": NEW_PASSWORD}, format="json"
    )

    assert response.status_code == 400
    assert "current_password" in response.json()
    assert works(token)
    grace.refresh_from_db()
    assert grace.check_password(PASSWORD)


@pytest.mark.parametrize("weak", ["        ", "password123", "short"])
def test_a_password_change_to_a_weak_password_is_refused(grace, weak):
    token = log_in(grace.email)

    response = client_with(token).post(
        "/api/auth/password/", {"current_password": PASSWORD, "new_password": weak}, format="json"
    )

    assert response.status_code == 400
    assert "new_password" in response.json()
    assert works(token)


def test_the_api_password_reset_answers_202_and_mails_a_link_that_revokes_the_tokens(grace):
    token = log_in(grace.email)

    response = APIClient().post("/api/auth/password-reset/", {"email": "GRACE@example.com"}, format="json")

    assert response.status_code == 202
    (message,) = mail.outbox
    assert message.to == [grace.email]
    link = re.search(r"http://localhost:8000(/password-reset/\S+/\S+/)", message.body).group(1)
    client = Client()
    target = client.get(link, follow=True).redirect_chain[-1][0]
    done = client.post(target, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert done["Location"] == "/password-reset/done/"
    assert not works(token)
    assert log_in(grace.email, NEW_PASSWORD)


def test_the_api_password_reset_of_an_unknown_address_answers_the_same_and_mails_nothing():
    response = APIClient().post("/api/auth/password-reset/", {"email": "nobody@example.com"}, format="json")

    assert response.status_code == 202
    assert mail.outbox == []


def test_logging_out_of_the_web_pages_revokes_the_api_tokens(grace):
    token = log_in(grace.email)
    client = Client()
    client.force_login(grace)

    client.post("/logout/")

    assert not works(token)


def test_a_header_that_is_not_utf8_is_a_401():
    response = APIClient().get("/api/me/", HTTP_AUTHORIZATION="Token \u00e9\u00e9")

    assert response.status_code == 401


def test_making_a_token_deletes_the_users_expired_ones(grace):
    old = tokens.api_token_create(user=grace)
    with time_machine.travel(timezone.now() + timedelta(days=31)):
        tokens.api_token_create(user=grace)

        assert AuthToken.objects.filter(user=grace).count() == 1
    assert not works(old)
