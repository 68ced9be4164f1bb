"""The unsubscribe link: GET asks, POST acts, a forged token finds nothing."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.core import signing
from django.test import Client

from roadmaps.nudges import unsubscribe_token, unsubscribe_url
from tests.roadmaps.nudges import data as nudges_data
from tests.roadmaps.nudges.data import mails_to, nudge_learner, refresh_profile

pytestmark = pytest.mark.django_db
eager_celery, run_dispatch = nudges_data.eager_celery, nudges_data.run_dispatch

SIGN_UP = nudges_data.SIGN_UP
SLOT = nudges_data.SLOT


@pytest.fixture(autouse=True)
def signed_up(time_machine):
    time_machine.move_to(SIGN_UP, tick=False)


@pytest.fixture
def mail_client() -> Client:
    """A client with no session and CSRF checks on, like a mail client or a link scanner."""
    return Client(enforce_csrf_checks=True)


@pytest.fixture
def learner():
    return nudge_learner(now=SIGN_UP, email="ada.lovelace@example.com")


def link_path(user) -> str:
    return urlsplit(unsubscribe_url(user.id)).path


def test_opening_the_link_asks_first_and_changes_nothing(mail_client, learner):
    response = mail_client.get(link_path(learner))

    assert response.status_code == 200
    html = response.content.decode()
    assert "Stop the weekly progress e-mails?" in html
    assert f'<form method="post" action="{link_path(learner)}"' in html
    assert "ad**********@example.com" in html
    assert "ada.lovelace@example.com" not in html
    profile = refresh_profile(learner)
    assert profile.nudges_enabled is True
    assert profile.next_nudge_at == SLOT
    assert "no-store" in response.headers["Cache-Control"]


def test_posting_the_form_unsubscribes_without_login_or_csrf_token(mail_client, learner):
    response = mail_client.post(link_path(learner))

    assert response.status_code == 200
    assert "You are unsubscribed" in response.content.decode()
    profile = refresh_profile(learner)
    assert profile.nudges_enabled is False
    assert profile.next_nudge_at is None


def test_a_mail_client_s_one_click_post_unsubscribes(mail_client, learner):
    response = mail_client.post(
        link_path(learner),
        data="List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )

    assert response.status_code == 200
    assert refresh_profile(learner).nudges_enabled is False


def test_unsubscribing_twice_is_harmless(mail_client, learner):
    mail_client.post(link_path(learner))

    response = mail_client.post(link_path(learner))

    assert response.status_code == 200
    assert refresh_profile(learner).nudges_enabled is False


def test_the_link_in_the_nudge_unsubscribes_and_no_more_nudges_come(mail_client, learner, run_dispatch):
    run_dispatch(SLOT)
    (message,) = mails_to(learner)
    header_link = message.extra_headers["List-Unsubscribe"].strip("<>")
    assert f"Unsubscribe: {header_link}\n" in message.body

    response = mail_client.post(urlsplit(header_link).path)

    assert response.status_code == 200
    run_dispatch(SLOT + timedelta(weeks=1))
    assert len(mails_to(learner)) == 1


@pytest.mark.parametrize("method", ["get", "post"])
@pytest.mark.parametrize(
    "token",
    [
        "garbage",
        "1:forged-signature",
        signing.Signer(salt="another.purpose").sign("1"),  # a real signature, for something else
        "",
    ],
    ids=["garbage", "forged", "other-salt", "empty"],
)
def test_a_bad_or_forged_token_finds_nothing(mail_client, learner, method, token):
    path = f"/nudges/unsubscribe/{token}/" if token else "/nudges/unsubscribe//"

    response = getattr(mail_client, method)(path)

    assert response.status_code == 404
    assert refresh_profile(learner).nudges_enabled is True


def test_a_bad_link_says_what_happened_on_a_styled_page(mail_client, learner):
    response = mail_client.get("/nudges/unsubscribe/1:forged-signature/")

    body = response.content.decode()
    assert response.status_code == 404
    assert '<h1 id="error-heading">This unsubscribe link does not work</h1>' in body
    assert "Nothing was changed." in body and '<main id="main"' in body
    assert 'href="/settings/"' in body


def test_a_token_with_a_changed_learner_id_finds_nothing(mail_client, learner):
    other = nudge_learner(now=SIGN_UP)
    _, signature = unsubscribe_token(learner.id).split(":")

    response = mail_client.post(f"/nudges/unsubscribe/{other.id}:{signature}/")

    assert response.status_code == 404
    assert refresh_profile(other).nudges_enabled is True


def test_the_link_of_a_deleted_account_finds_nothing(mail_client, learner):
    path = link_path(learner)
    learner.delete()

    assert mail_client.post(path).status_code == 404


def test_other_methods_are_not_allowed(mail_client, learner):
    assert mail_client.put(link_path(learner)).status_code == 405


@pytest.mark.parametrize("method", ["get", "post"])
def test_the_learner_s_own_id_signed_with_another_salt_finds_nothing(mail_client, learner, method):
    token = signing.Signer(salt="another.purpose").sign(str(learner.id))
    assert token.split(":")[0] == str(learner.id)

    response = getattr(mail_client, method)(f"/nudges/unsubscribe/{token}/")

    assert response.status_code == 404
    assert refresh_profile(learner).nudges_enabled is True
