"""GET/POST /api/me/portfolio/: off by default, a new secret address each time it is turned on."""

import pytest

from roadmaps.models import Portfolio

pytestmark = pytest.mark.django_db


def post(client, body):
    return client.post("/api/me/portfolio/", body, format="json")


def test_the_portfolio_is_off_by_default(learner_client):
    response = learner_client.get("/api/me/portfolio/")

    assert response.status_code == 200
    assert response.json() == {"public": False, "url": None, "discoverable": False}


def test_turning_it_on_gives_an_address_with_a_256_bit_token(learner, learner_client, settings):
    settings.SITE_URL = "https://planner.example.org"

    body = post(learner_client, {"public": True}).json()

    assert body["public"] is True
    assert body["url"].startswith("https://planner.example.org/p/")
    token = body["url"].rstrip("/").rsplit("/", 1)[1]
    assert len(token) >= 43  # 32 random bytes, URL-safe base64
    assert learner_client.get("/api/me/portfolio/").json()["url"] == body["url"]
    assert Portfolio.objects.get(user=learner).token_digest != token


def test_turning_it_on_twice_keeps_the_same_address(learner_client):
    first = post(learner_client, {"public": True}).json()["url"]

    assert post(learner_client, {"public": True}).json()["url"] == first


def test_turning_it_off_and_on_again_gives_a_new_address(learner_client):
    first = post(learner_client, {"public": True}).json()["url"]
    off = post(learner_client, {"public": False}).json()
    second = post(learner_client, {"public": True}).json()["url"]

    assert off == {"public": False, "url": None, "discoverable": False}
    assert second != first


def test_the_learner_can_opt_in_to_search_engines(learner_client):
    body = post(learner_client, {"public": True, "discoverable": True}).json()

    assert body["discoverable"] is True


@pytest.mark.parametrize(
    "body, field",
    [
        ({}, "public"),
        ({"public": "maybe"}, "public"),
        ({"public": True, "url": "https://mine.example"}, "url"),
        ({"public": True, "email": "x@example.com"}, "email"),
        ({"public": True, "discoverable": "often"}, "discoverable"),
    ],
)
def test_bad_bodies_are_refused_naming_the_field_and_change_nothing(learner, learner_client, body, field):
    response = post(learner_client, body)

    assert response.status_code == 400
    assert field in response.json()
    assert not Portfolio.objects.filter(user=learner).exists()


def test_the_portfolio_needs_a_login(api_client):
    assert api_client.get("/api/me/portfolio/").status_code == 401
    assert api_client.post("/api/me/portfolio/", {"public": True}, format="json").status_code == 401
