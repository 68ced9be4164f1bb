"""Every sign-in, sign-up and reset path is limited per address and per account; django-axes
locks an account out for an address after repeated wrong passwords, on every backend path."""

from __future__ import annotations

import pytest
from django.core import mail
from django.test import Client
from rest_framework.settings import api_settings

from accounts import throttles
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

HOME, OFFICE = "203.0.113.7", "198.51.100.23"
OTHER_ADDRESSES = [f"192.0.2.{n}" for n in range(1, 30)]


def allowed(scope: str) -> int:
    return int(api_settings.DEFAULT_THROTTLE_RATES[scope].split("/")[0])


@pytest.fixture
def ada(db):
    return UserFactory(email="ada@example.com")


@pytest.fixture
def admin_user(db):
    return UserFactory(email="admin@example.com", is_staff=True, is_superuser=True)


def web_login(client, email, password):
    return client.post("/login/", {"username": email, "password": password})


def admin_login(client, email, password):
    return client.post("/admin/login/", {"username": email, "password": password, "next": "/admin/"})


def api_login(client, email, password):
    return client.post("/api/auth/token/", {"email": email, "password": password}, content_type="application/json")


# --- Per address ----------------------------------------------------------------------------------


def test_the_admin_login_is_throttled_per_address(admin_user):
    client = Client(REMOTE_ADDR=HOME)
    for _ in range(15):
        admin_login(client, admin_user.email, "wrong guess")

    response = admin_login(client, admin_user.email, PASSWORD)

    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert Client(REMOTE_ADDR=HOME).get("/admin/").status_code == 302  # still not signed in


def test_the_sign_up_page_is_throttled_per_address():
    client = Client(REMOTE_ADDR=HOME)
    for n in range(allowed("register")):
        body = {"email": f"new{n}@example.com", "password": PASSWORD, "timezone": "UTC"}
        assert client.post("/signup/", body).status_code == 302
        client.post("/logout/")

    response = client.post("/signup/", {"email": "late@example.com", "password": PASSWORD, "timezone": "UTC"})

    assert response.status_code == 429
    assert b"Too many attempts" in response.content


def test_the_password_reset_page_is_throttled_per_address(ada):
    client = Client(REMOTE_ADDR=HOME)
    for n in range(allowed("password_reset")):
        client.post("/password-reset/", {"email": f"someone{n}@example.com"})

    response = client.post("/password-reset/", {"email": ada.email})

    assert response.status_code == 429
    assert mail.outbox == []


# --- Per account ----------------------------------------------------------------------------------


@pytest.fixture
def tight_account_limits(monkeypatch):
    monkeypatch.setattr(throttles.LoginAccountThrottle, "rate", "3/hour", raising=False)
    monkeypatch.setattr(throttles.RegisterAccountThrottle, "rate", "2/hour", raising=False)


@pytest.mark.usefixtures("tight_account_limits")
@pytest.mark.parametrize("log_in", [web_login, admin_login, api_login])
def test_guessing_one_account_from_many_addresses_is_throttled_on_every_sign_in_path(admin_user, log_in):
    for address in OTHER_ADDRESSES[:3]:
        log_in(Client(REMOTE_ADDR=address), admin_user.email, "wrong guess")

    response = log_in(Client(REMOTE_ADDR=OFFICE), admin_user.email, PASSWORD)

    assert response.status_code == 429


@pytest.mark.usefixtures("tight_account_limits")
def test_the_account_limit_is_shared_by_every_sign_in_path(admin_user):
    web_login(Client(REMOTE_ADDR=OTHER_ADDRESSES[0]), admin_user.email, "wrong guess")
    admin_login(Client(REMOTE_ADDR=OTHER_ADDRESSES[1]), admin_user.email, "wrong guess")
    api_login(Client(REMOTE_ADDR=OTHER_ADDRESSES[2]), admin_user.email.upper(), "wrong guess")

    assert web_login(Client(REMOTE_ADDR=OFFICE), admin_user.email, PASSWORD).status_code == 429


@pytest.mark.usefixtures("tight_account_limits")
def test_signing_up_one_address_from_many_addresses_is_throttled():
    body = {"email": "victim@example.com", "password": PASSWORD}
    for address in OTHER_ADDRESSES[:2]:
        Client(REMOTE_ADDR=address).post("/api/auth/register/", body, content_type="application/json")

    response = Client(REMOTE_ADDR=OFFICE).post("/signup/", {**body, "timezone": "UTC"})

    assert response.status_code == 429


def test_reset_mails_for_one_address_are_limited_whoever_asks(ada):
    for address in OTHER_ADDRESSES[:10]:
        Client(REMOTE_ADDR=address).post("/password-reset/", {"email": ada.email})
        Client(REMOTE_ADDR=address).post(
            "/api/auth/password-reset/", {"email": ada.email}, content_type="application/json"
        )

    assert len(mail.outbox) == allowed("password_reset_account")


# --- django-axes: a lockout per account and address, in the database --------------------------------


@pytest.fixture
def lockout_after_three(settings):
    settings.AXES_FAILURE_LIMIT = 3


@pytest.mark.usefixtures("lockout_after_three")
@pytest.mark.parametrize("log_in", [web_login, admin_login, api_login])
def test_after_repeated_wrong_passwords_even_the_right_one_is_refused_from_that_address(admin_user, log_in):
    client = Client(REMOTE_ADDR=HOME)
    for _ in range(3):
        log_in(client, admin_user.email, "wrong guess")

    response = log_in(client, admin_user.email, PASSWORD)

    assert response.status_code == 429
    assert int(response["Retry-After"]) == 3600
    assert log_in(Client(REMOTE_ADDR=OFFICE), admin_user.email, PASSWORD).status_code in (200, 302)


@pytest.mark.usefixtures("lockout_after_three")
def test_the_api_lockout_answers_json(ada):
    client = Client(REMOTE_ADDR=HOME)
    for _ in range(3):
        api_login(client, ada.email, "wrong guess")

    response = api_login(client, ada.email, PASSWORD)

    assert response.status_code == 429
    assert "detail" in response.json()


@pytest.mark.usefixtures("lockout_after_three")
def test_the_lockout_holds_while_the_cache_is_gone(ada, settings):
    """Failures are counted in PostgreSQL: a Redis outage (throttles open) does not lift the lockout."""
    from tests.servers import free_port

    settings.CACHES = {
        name: {**cache, "LOCATION": f"redis://127.0.0.1:{free_port()}/0"} for name, cache in settings.CACHES.items()
    }
    client = Client(REMOTE_ADDR=HOME)
    for _ in range(3):
        web_login(client, ada.email, "wrong guess")

    assert web_login(client, ada.email, PASSWORD).status_code == 429


# --- Time zones --------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["Factory", "localtime", "posixrules", "posix/Europe/Paris", "right/UTC"])
def test_names_in_the_tz_files_that_are_not_zones_are_refused(ada, name):
    from tests.conftest import client_for

    api = client_for(ada).patch("/api/me/", {"timezone": name}, format="json")
    register = Client().post(
        "/api/auth/register/",
        {"email": "new@example.com", "password": PASSWORD, "timezone": name},
        content_type="application/json",
    )
    page = Client().post("/signup/", {"email": "other@example.com", "password": PASSWORD, "timezone": name})

    assert api.status_code == 400 and "timezone" in api.json()
    assert register.status_code == 400 and "timezone" in register.json()
    assert page.status_code == 400
    ada.profile.refresh_from_db()
    assert ada.profile.timezone == "UTC"
