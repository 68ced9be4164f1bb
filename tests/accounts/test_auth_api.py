"""Sign-up and token login, as API.md describes them."""

import pytest
from django.contrib.auth import get_user_model

from accounts.models import Profile
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db
User = get_user_model()


def register(client, **overrides):
    body = {"email": "ada@example.com", "password": PASSWORD, "name": "Ada", "timezone": "Europe/Paris"}
    return client.post("/api/auth/register/", {**body, **overrides}, format="json")


def test_register_creates_a_learner_with_a_profile_and_a_token(api_client):
    response = register(api_client)

    assert response.status_code == 201
    body = response.json()
    assert set(body) == {"id", "email", "token"}
    assert body["email"] == "ada@example.com"
    profile = Profile.objects.get(user_id=body["id"])
    assert profile.timezone == "Europe/Paris"
    assert profile.next_nudge_at is not None


def test_the_registration_token_authenticates_api_calls(api_client):
    token = register(api_client).json()["token"]

    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    response = api_client.get("/api/me/")

    assert response.status_code == 200
    assert response.json()["email"] == "ada@example.com"


def test_an_email_is_taken_whatever_its_case(api_client):
    register(api_client)

    response = register(api_client, email="ADA@Example.com")

    assert response.status_code == 400
    assert "email" in response.json()
    assert User.objects.count() == 1


@pytest.mark.parametrize("password", ["short", "password123", "12345678901", "ada@example.com"])
def test_a_weak_password_is_refused_and_nothing_is_stored(api_client, password):
    response = register(api_client, password=password)

    assert response.status_code == 400
    assert "password" in response.json()
    assert not User.objects.exists()


def test_an_unknown_timezone_is_refused(api_client):
    response = register(api_client, timezone="Mars/Olympus_Mons")

    assert response.status_code == 400
    assert "timezone" in response.json()
    assert not User.objects.exists()


def test_a_missing_email_is_named(api_client):
    response = api_client.post("/api/auth/register/", {"password": PASSWORD}, format="json")

    assert response.status_code == 400
    assert "email" in response.json()


def test_token_login_returns_a_token_of_the_learner(api_client):
    user = UserFactory(email="grace@example.com")

    response = api_client.post("/api/auth/token/", {"email": "Grace@example.com", "password": PASSWORD}, format="json")

    assert response.status_code == 200
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {response.json()['token']}")
    assert api_client.get("/api/me/").json()["email"] == user.email


def test_a_wrong_password_and_an_unknown_email_answer_the_same(api_client):
    UserFactory(email="grace@example.com")

    wrong_password = api_client.post(
        "/api/auth/token/", {"email": "grace@example.com", "password": "not-it-at-all"}, format="json"
    )
    unknown_email = api_client.post(
        "/api/auth/token/", {"email": "nobody@example.com", "password": "not-it-at-all"}, format="json"
    )

    assert wrong_password.status_code == unknown_email.status_code == 400
    assert wrong_password.json() == unknown_email.json()


def test_token_login_is_throttled_against_guessing(api_client):
    UserFactory(email="grace@example.com")
    body = {"email": "grace@example.com", "password": "guess"}

    statuses = [api_client.post("/api/auth/token/", body, format="json").status_code for _ in range(12)]

    # The tenth wrong password locks the account for this address (django-axes), the eleventh
    # request is over the address's limit (10 a minute).
    assert statuses[:9] == [400] * 9
    assert statuses[9:] == [429] * 3


def test_sign_up_is_throttled(api_client):
    statuses = [register(api_client, email=f"user{n}@example.com").status_code for n in range(11)]

    assert statuses[:10] == [201] * 10
    assert statuses[10] == 429
    assert "Retry-After" in register(api_client, email="late@example.com")


def test_private_endpoints_need_a_token(api_client):
    assert api_client.get("/api/me/").status_code == 401
