"""The signed-in learner is loaded with the profile in one query; sign-in keeps its rules."""

import pytest
from django.contrib.auth import SESSION_KEY, authenticate
from django.contrib.auth.hashers import MD5PasswordHasher
from django.test import Client, RequestFactory

from accounts.backends import PATH, LearnerBackend
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db
MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"


class CountingHasher(MD5PasswordHasher):
    """The suite's hasher, counting the hashes it computes."""

    encoded = 0

    def encode(self, password, salt):
        CountingHasher.encoded += 1
        return super().encode(password, salt)


def sign_in_request():
    return RequestFactory().post("/login/")


@pytest.fixture
def counting_hasher(settings):
    settings.PASSWORD_HASHERS = [f"{__name__}.CountingHasher"]
    CountingHasher.encoded = 0
    return CountingHasher


def test_a_signed_in_request_loads_the_user_and_the_profile_in_one_query(client, django_assert_num_queries):
    user = UserFactory()
    client.force_login(user, backend=PATH)

    # /ping/ reads nothing itself: the query is the session's user, the profile (its language) with it.
    with django_assert_num_queries(1):
        assert client.get("/ping/").status_code == 200


def test_the_log_in_page_signs_in_with_the_learner_backend(client):
    user = UserFactory()

    response = client.post("/login/", {"username": user.email, "password": PASSWORD})

    assert response.status_code == 302
    assert client.session["_auth_user_backend"] == PATH
    assert client.session[SESSION_KEY] == str(user.pk)


def test_signing_up_signs_in_with_the_learner_backend(client):
    client.post(
        "/signup/",
        {"email": "new@example.com", "name": "Ada", "password": "a-Long-passphrase-42", "timezone": "UTC"},
    )

    assert client.session["_auth_user_backend"] == PATH


def test_a_session_made_with_the_previous_backend_stays_signed_in():
    user = UserFactory()
    client = Client()
    client.force_login(user, backend=MODEL_BACKEND)

    response = client.get("/settings/")

    assert response.status_code == 200
    assert response.wsgi_request.user == user


def test_a_wrong_password_costs_one_hash_and_signs_nobody_in(counting_hasher):
    user = UserFactory()
    counting_hasher.encoded = 0

    assert authenticate(sign_in_request(), username=user.email, password="wrong") is None
    assert counting_hasher.encoded == 1


def test_an_unknown_address_costs_one_hash_too(counting_hasher):
    # As many as a wrong password: the time taken tells nothing about which addresses have accounts.
    assert authenticate(sign_in_request(), username="nobody@example.com", password="whatever") is None
    assert counting_hasher.encoded == 1


def test_the_right_password_signs_in_through_the_learner_backend(counting_hasher):
    user = UserFactory()

    signed_in = authenticate(sign_in_request(), username=user.email, password=PASSWORD)

    assert signed_in == user
    assert signed_in.backend == PATH


def test_a_deactivated_learner_cannot_sign_in_nor_stay_signed_in():
    user = UserFactory()
    client = Client()
    client.force_login(user, backend=PATH)
    user.is_active = False
    user.save(update_fields=["is_active"])

    assert authenticate(sign_in_request(), username=user.email, password=PASSWORD) is None
    assert client.get("/settings/").status_code == 302


def test_a_user_without_a_profile_is_signed_in_all_the_same():
    staff = UserFactory(is_staff=True, is_superuser=True)
    staff.profile.delete()  # as made by createsuperuser, without the sign-up's profile
    client = Client()
    client.force_login(staff, backend=PATH)

    assert client.get("/admin/").status_code == 200
    assert LearnerBackend().get_user(staff.pk) == staff
    assert LearnerBackend().get_user("not a number") is None
