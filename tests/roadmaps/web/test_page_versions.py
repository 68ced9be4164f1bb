"""Who moves a learner's pages version: every write of theirs, and the changes made without them."""

import re
from urllib.parse import urlsplit

import pytest
from allauth.account.models import EmailAddress, EmailConfirmationHMAC
from django.core import mail
from django.core.cache import cache
from django.test import Client
from rest_framework.test import APIClient

from roadmaps.nudges import unsubscribe_url
from roadmaps.web.page_versions import EVERYONE_KEY, current_versions, learner_key
from tests.factories import PASSWORD, RoadmapFactory, TaskFactory, UserFactory, token_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def learner(db):
    user = UserFactory()
    current_versions(user_id=user.pk)  # made as a first page view would
    return user


def version_of(user) -> str | None:
    return cache.get(learner_key(user.pk))


def test_versions_are_random_tokens_made_on_first_use(learner):
    other = UserFactory()

    mine, everyone, catalog = current_versions(user_id=learner.pk)
    theirs = current_versions(user_id=other.pk)

    assert mine == version_of(learner) and len(mine) == 16
    assert theirs[0] != mine and theirs[1:] == (everyone, catalog)


def test_a_write_the_page_refuses_still_moves_the_version(client, learner):
    client.force_login(learner)
    before = version_of(learner)

    response = client.post("/settings/", {"weekly_hours": "0"})

    assert response.status_code == 400
    assert version_of(learner) != before


def test_a_read_moves_nothing(client, learner):
    client.force_login(learner)
    before = version_of(learner), cache.get(EVERYONE_KEY)

    client.get("/settings/")

    assert (version_of(learner), cache.get(EVERYONE_KEY)) == before


def test_an_api_write_with_a_token_moves_the_version_of_the_tokens_owner(learner):
    other = UserFactory()
    current_versions(user_id=other.pk)
    before = version_of(learner), version_of(other)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token_for(learner)}")

    task = TaskFactory(roadmap=RoadmapFactory(user=learner))

    response = api.patch(f"/api/tasks/{task.id}/", {"status": "done"}, format="json")

    assert response.status_code == 200
    assert version_of(learner) != before[0] and version_of(other) == before[1]


def test_a_write_under_the_admin_moves_everyones_version(learner):
    staff = Client()
    staff.force_login(UserFactory(is_staff=True, is_superuser=True))
    before = cache.get(EVERYONE_KEY)

    staff.post(f"/admin/accounts/user/{learner.pk}/delete/", {"post": "yes"})

    assert cache.get(EVERYONE_KEY) != before


def test_the_unsubscribe_link_followed_signed_out_moves_the_version(learner):
    before = version_of(learner)

    response = Client().post(urlsplit(unsubscribe_url(learner.pk)).path)

    assert response.status_code == 200
    assert version_of(learner) != before


def test_confirming_the_address_signed_out_moves_the_version(db):
    learner = UserFactory(email_verified=False)
    current_versions(user_id=learner.pk)
    before = version_of(learner)
    key = EmailConfirmationHMAC(EmailAddress.objects.get(user=learner)).key

    response = Client().post(f"/verify-email/{key}/")

    assert response.status_code == 302
    assert version_of(learner) != before


def test_a_password_reset_signed_out_moves_the_version(client, learner):
    client.post("/password-reset/", {"email": learner.email})
    link = re.search(r"http://testserver(/password-reset/\S+/\S+/)", mail.outbox[0].body).group(1)
    form_page = client.get(link, follow=True)
    before = version_of(learner)
    new_password = "Another-long-passphrase-7"

    client.post(form_page.redirect_chain[-1][0], {"new_password1": new_password, "new_password2": new_password})

    assert version_of(learner) != before


def test_deleting_the_account_moves_the_version(client, learner):
    client.force_login(learner)
    before = version_of(learner)

    client.post("/settings/delete/", {"password": PASSWORD})

    assert version_of(learner) != before
