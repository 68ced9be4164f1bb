"""A verified address before any mail: the verification mail comes first, and no nudge
and no export is mailed to an address its owner has not confirmed."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.conf import settings
from django.core import mail
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import User
from roadmaps.calendar import services as calendar_services
from roadmaps.models import CalendarExport, NudgeDelivery
from tests.conftest import client_for
from tests.factories import PASSWORD, UserFactory
from tests.roadmaps.calendar.data import roadmap_with_tasks
from tests.roadmaps.nudges import data as nudges_data
from tests.roadmaps.nudges.data import nudge_learner, utc

pytestmark = pytest.mark.django_db
eager_celery, run_dispatch = nudges_data.eager_celery, nudges_data.run_dispatch
LINK = re.compile(r"http://localhost:8000/verify-email/(?P<key>[^/\s]+)/")


def register(email: str = "ada@example.com") -> dict:
    body = {"email": email, "password": PASSWORD, "name": "Ada"}
    response = APIClient().post("/api/auth/register/", body, format="json")
    assert response.status_code == 201
    return response.json()


def key_in(message) -> str:
    return LINK.search(message.body).group("key")


def test_signing_up_sends_the_verification_mail_first_and_only_it():
    register()

    (message,) = mail.outbox
    assert message.to == ["ada@example.com"]
    assert "Confirm your e-mail address" in message.subject
    assert LINK.search(message.body)


def test_a_new_account_is_unverified_until_the_key_comes_back():
    token = register()["token"]
    client = client_for_token(token)
    assert client.get("/api/me/").json()["email_verified"] is False

    response = APIClient().post("/api/auth/verify/", {"key": key_in(mail.outbox[0])}, format="json")

    assert response.status_code == 200
    assert response.json() == {"email_verified": True}
    assert client.get("/api/me/").json()["email_verified"] is True


def client_for_token(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


@pytest.mark.parametrize("key", ["not-a-key", "MQ:1tY2Xb:forged", ""])
def test_an_unknown_key_is_a_400_naming_it(key):
    register()

    response = APIClient().post("/api/auth/verify/", {"key": key}, format="json")

    assert response.status_code == 400
    assert "key" in response.json()
    assert not User.objects.get(email="ada@example.com").emailaddress_set.filter(verified=True).exists()


def test_a_used_key_is_refused_the_second_time():
    register()
    key = key_in(mail.outbox[0])
    assert APIClient().post("/api/auth/verify/", {"key": key}, format="json").status_code == 200

    assert APIClient().post("/api/auth/verify/", {"key": key}, format="json").status_code == 400


def test_email_verified_is_read_only():
    client = client_for(UserFactory(email_verified=False))

    client.patch("/api/me/", {"email_verified": True}, format="json")

    assert client.get("/api/me/").json()["email_verified"] is False


def test_the_sign_up_page_sends_the_mail_and_its_link_confirms_with_a_button(client):
    client.post("/signup/", {"email": "ada@example.com", "password": PASSWORD, "timezone": "UTC"})
    (message,) = mail.outbox
    path = f"/verify-email/{key_in(message)}/"

    page = client.get(path)
    assert page.status_code == 200
    assert b"Confirm my address" in page.content
    assert not User.objects.get(email="ada@example.com").emailaddress_set.filter(verified=True).exists()

    response = client.post(path)

    assert response.status_code == 302
    assert User.objects.get(email="ada@example.com").emailaddress_set.filter(verified=True).exists()
    assert client.post(path).status_code == 400


# --- Nothing else is mailed to an unverified address ------------------------------------------


def test_no_nudge_is_dispatched_to_an_unverified_address(run_dispatch, time_machine):
    time_machine.move_to(utc(2026, 11, 5, 12), tick=False)
    verified = nudge_learner(now=timezone.now())
    unverified = nudge_learner(now=timezone.now(), email_verified=False)

    run_dispatch(utc(2026, 11, 9, 8))

    assert NudgeDelivery.objects.filter(user=verified).count() == 1
    assert not NudgeDelivery.objects.filter(user=unverified).exists()
    assert [message.to for message in mail.outbox] == [[verified.email]]


def test_no_export_is_mailed_to_an_unverified_address():
    user = UserFactory(email_verified=False)
    plan = roadmap_with_tasks(user, tasks=2)
    export = CalendarExport.objects.create(user=user, roadmap=plan.roadmap)

    sent = calendar_services.export_send(export_id=str(export.id), now=timezone.now())

    assert sent is False
    export.refresh_from_db()
    assert export.status == CalendarExport.Status.FAILED
    assert "not verified" in export.last_error
    assert mail.outbox == []


def test_an_export_to_a_verified_address_is_mailed(learner):
    plan = roadmap_with_tasks(learner, tasks=2)
    export = CalendarExport.objects.create(user=learner, roadmap=plan.roadmap)

    assert calendar_services.export_send(export_id=str(export.id), now=timezone.now()) is True
    assert [message.to for message in mail.outbox] == [[learner.email]]


def test_signing_in_works_before_the_address_is_verified():
    register()

    response = Client().post("/login/", {"username": "ada@example.com", "password": PASSWORD})

    assert response.status_code == 302


# --- The key's lifetime (ACCOUNT_EMAIL_CONFIRMATION_EXPIRE_DAYS, 7 by default) ---------------------


@pytest.mark.parametrize(
    ("age", "status_code", "verified"),
    [
        (timedelta(days=7) - timedelta(seconds=1), 200, True),
        (timedelta(days=7), 200, True),
        (timedelta(days=7, seconds=1), 400, False),
        (timedelta(days=8), 400, False),
    ],
    ids=["a second before 7 days", "exactly 7 days", "7 days and a second", "8 days"],
)
def test_a_verification_key_works_for_exactly_seven_days(time_machine, age, status_code, verified):
    assert settings.ACCOUNT_EMAIL_CONFIRMATION_EXPIRE_DAYS == 7
    signed_up = utc(2026, 11, 5, 12)
    time_machine.move_to(signed_up, tick=False)
    register()
    key = key_in(mail.outbox[0])
    time_machine.move_to(signed_up + age, tick=False)

    response = APIClient().post("/api/auth/verify/", {"key": key}, format="json")

    assert response.status_code == status_code
    assert User.objects.get(email="ada@example.com").emailaddress_set.filter(verified=True).exists() is verified


def test_an_expired_key_on_the_page_confirms_nothing(client, time_machine):
    signed_up = utc(2026, 11, 5, 12)
    time_machine.move_to(signed_up, tick=False)
    client.post("/signup/", {"email": "ada@example.com", "password": PASSWORD, "timezone": "UTC"})
    path = f"/verify-email/{key_in(mail.outbox[0])}/"
    time_machine.move_to(signed_up + timedelta(days=7, seconds=1), tick=False)

    response = client.post(path)

    assert response.status_code == 400
    assert not User.objects.get(email="ada@example.com").emailaddress_set.filter(verified=True).exists()


# --- Verified means the current address --------------------------------------------------------------


def test_a_learner_who_changed_to_an_unverified_address_gets_no_nudge(run_dispatch, time_machine):
    time_machine.move_to(utc(2026, 11, 5, 12), tick=False)
    moved = nudge_learner(now=timezone.now())  # verified at their old address
    User.objects.filter(pk=moved.pk).update(email="new-address@example.com")

    run_dispatch(utc(2026, 11, 9, 8))

    assert not NudgeDelivery.objects.filter(user=moved).exists()
    assert mail.outbox == []


def test_an_address_verified_in_other_letter_case_still_gets_its_nudge(run_dispatch, time_machine):
    time_machine.move_to(utc(2026, 11, 5, 12), tick=False)
    learner = nudge_learner(now=timezone.now(), email="Ada.Lovelace@Example.com")
    User.objects.filter(pk=learner.pk).update(email="ada.lovelace@example.com")

    run_dispatch(utc(2026, 11, 9, 8))

    assert NudgeDelivery.objects.filter(user=learner).count() == 1
    assert [message.to for message in mail.outbox] == [["ada.lovelace@example.com"]]


def test_no_export_is_mailed_to_a_new_address_not_yet_verified(learner):
    plan = roadmap_with_tasks(learner, tasks=2)
    User.objects.filter(pk=learner.pk).update(email="new-address@example.com")
    export = CalendarExport.objects.create(user=learner, roadmap=plan.roadmap)

    assert calendar_services.export_send(export_id=str(export.id), now=timezone.now()) is False
    assert mail.outbox == []
