"""Sign-up, log in, log out and password reset pages, through Django's test client."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.test import Client

from accounts.models import Profile
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db
User = get_user_model()

GOOD_SIGNUP = {
    "email": "new@example.com",
    "name": "Ada",
    "password": "a-Long-passphrase-42",
    "timezone": "Europe/Paris",
}


def test_the_home_page_invites_to_sign_up(client):
    response = client.get("/")

    assert response.status_code == 200
    assert b'href="/signup/"' in response.content
    assert b'href="/login/"' in response.content


def test_the_sign_up_page_shows_its_form(client):
    response = client.get("/signup/")

    assert response.status_code == 200
    assert b'name="email"' in response.content
    assert b'name="csrfmiddlewaretoken"' in response.content


def test_signing_up_creates_the_account_logs_in_and_starts_onboarding(client):
    response = client.post("/signup/", GOOD_SIGNUP)

    assert response.status_code == 302
    assert response["Location"] == "/start/"
    user = User.objects.get(email="new@example.com")
    assert user.name == "Ada"
    assert user.profile.timezone == "Europe/Paris"
    assert user.profile.next_nudge_at is not None
    assert client.get("/dashboard/").status_code == 200


def test_a_taken_email_is_refused_on_the_form_whatever_its_case(client):
    UserFactory(email="new@example.com")

    response = client.post("/signup/", {**GOOD_SIGNUP, "email": "NEW@example.com"})

    assert response.status_code == 400
    assert b"already exists" in response.content
    assert User.objects.filter(email__iexact="new@example.com").count() == 1


def test_the_taken_email_error_links_to_log_in_and_to_password_reset(client):
    UserFactory(email="new@example.com")

    response = client.post("/signup/", GOOD_SIGNUP)

    error = re.search(r'<ul class="errorlist"[^>]*>(.*?)</ul>', response.content.decode(), re.S).group(1)
    assert '<a href="/login/">Log in</a>' in error
    assert '<a href="/password-reset/">reset your password</a>' in error


def test_a_weak_password_is_reported_even_when_the_email_is_not_valid(client):
    response = client.post("/signup/", {**GOOD_SIGNUP, "email": "not-an-email", "password": "short"})

    assert response.status_code == 400
    assert b"valid email" in response.content
    assert b"too short" in response.content
    assert not User.objects.exists()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("password", "short", b"too short"),
        ("password", "new@example.com", b"too similar"),
        ("email", "not-an-email", b"valid email"),
        ("timezone", "Mars/Olympus", b"Select a valid choice"),
        ("name", "Ada\nLovelace", b"Control characters"),
    ],
)
def test_bad_sign_up_input_shows_the_error_and_stores_nothing(client, field, value, message):
    response = client.post("/signup/", {**GOOD_SIGNUP, field: value})

    assert response.status_code == 400
    assert message in response.content
    assert b'aria-invalid="true"' in response.content
    assert not User.objects.exists()
    assert not Profile.objects.exists()


def test_a_logged_in_learner_going_to_sign_up_lands_on_the_dashboard(client):
    client.force_login(UserFactory())

    assert client.get("/signup/")["Location"] == "/dashboard/"


def test_logging_in_with_the_email_opens_the_dashboard(client):
    UserFactory(email="ada@example.com")

    response = client.post("/login/", {"username": "Ada@Example.com", "password": PASSWORD})

    assert response.status_code == 302
    assert response["Location"] == "/dashboard/"


def test_a_wrong_password_shows_an_error_and_does_not_log_in(client):
    UserFactory(email="ada@example.com")

    response = client.post("/login/", {"username": "ada@example.com", "password": "wrong"})

    assert response.status_code == 200
    assert b"enter a correct" in response.content
    assert client.get("/dashboard/").status_code == 302


def test_logging_in_goes_back_to_the_page_that_asked_for_it(client):
    UserFactory(email="ada@example.com")
    login_page = client.get("/settings/")
    assert login_page["Location"] == "/login/?next=/settings/"

    response = client.post(
        "/login/?next=/settings/",
        {"username": "ada@example.com", "password": PASSWORD, "next": "/settings/"},
    )

    assert response["Location"] == "/settings/"


def test_logging_out_takes_a_post_and_ends_the_session(client):
    client.force_login(UserFactory())

    assert client.get("/logout/").status_code == 405
    response = client.post("/logout/")

    assert response.status_code == 302
    assert response["Location"] == "/"
    assert client.get("/dashboard/").status_code == 302


def test_a_session_cookie_kept_after_logging_out_signs_nobody_in(client):
    # Sessions are read from the cache first: logging out must drop the cached copy too.
    client.force_login(UserFactory())
    assert client.get("/dashboard/").status_code == 200
    kept = client.cookies["sessionid"].value

    client.post("/logout/")
    replay = Client()
    replay.cookies["sessionid"] = kept

    response = replay.get("/dashboard/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_a_password_reset_mail_lets_the_learner_choose_a_new_password(client):
    UserFactory(email="ada@example.com")

    response = client.post("/password-reset/", {"email": "ada@example.com"})
    assert response["Location"] == "/password-reset/sent/"
    assert len(mail.outbox) == 1
    link = re.search(r"http://testserver(/password-reset/\S+/\S+/)", mail.outbox[0].body).group(1)

    form_page = client.get(link, follow=True)
    assert b'name="new_password1"' in form_page.content
    new_password = "Another-long-passphrase-7"
    done = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": new_password, "new_password2": new_password},
    )

    assert done["Location"] == "/password-reset/done/"
    client.logout()
    login = client.post("/login/", {"username": "ada@example.com", "password": new_password})
    assert login["Location"] == "/dashboard/"


def test_a_password_reset_for_an_unknown_email_sends_nothing_and_says_the_same(client):
    response = client.post("/password-reset/", {"email": "nobody@example.com"})

    assert response["Location"] == "/password-reset/sent/"
    assert mail.outbox == []


def test_a_used_reset_link_says_it_no_longer_works(client):
    client.post("/password-reset/", {"email": UserFactory(email="ada@example.com").email})
    link = re.search(r"http://testserver(/password-reset/\S+/\S+/)", mail.outbox[0].body).group(1)
    target = client.get(link, follow=True).redirect_chain[-1][0]
    new_password = "Another-long-passphrase-7"
    client.post(target, {"new_password1": new_password, "new_password2": new_password})

    response = client.get(link, follow=True)

    assert b"no longer works" in response.content


def test_password_guessing_is_slowed_down_like_on_the_api(client, settings):
    from rest_framework.settings import api_settings

    # A cache of this test's own: the shared Redis one may be cleared by other runs.
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    UserFactory(email="ada@example.com")
    allowed = int(api_settings.DEFAULT_THROTTLE_RATES["login"].split("/")[0])
    for _ in range(allowed):
        client.post("/login/", {"username": "ada@example.com", "password": "guess"})

    response = client.post("/login/", {"username": "ada@example.com", "password": PASSWORD})

    assert response.status_code == 429
    assert b"Too many attempts" in response.content
    assert client.get("/dashboard/").status_code == 302


def test_logging_out_says_so_on_the_next_page(client):
    client.force_login(UserFactory())

    response = client.post("/logout/", follow=True)

    assert response.redirect_chain[-1][0] == "/"
    assert b"You are logged out." in response.content
    assert not response.wsgi_request.user.is_authenticated
