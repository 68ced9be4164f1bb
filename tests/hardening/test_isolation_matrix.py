"""No learner can see, change or even detect another learner's objects; nobody anonymous gets past 401.

The matrix is generated from the published schema (every private operation,
every object-level one) and checked against the URL resolver, so a new
endpoint is in the matrix the moment it exists.
"""

from __future__ import annotations

import json
import re

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.test import APIClient

from roadmaps.calendar import services as calendar_services
from roadmaps.models import CalendarFeed
from tests.hardening.conftest import (
    MISSING_ID,
    SCHEMA,
    fill,
    label,
    object_operations,
    path_parameters_for,
    private_operations,
    stored_state,
    valid_body,
)

pytestmark = pytest.mark.django_db

PRIVATE = private_operations()
OBJECT_LEVEL = object_operations()
OBJECT_PATHS = sorted({path for _, path in OBJECT_LEVEL})
# Paths the schema leaves out on purpose: the schema itself and its HTML viewer.
NOT_IN_SCHEMA = {"/api/schema/", "/api/docs/"}


def request(client, method: str, path: str, parameters: dict, world, **extra):
    body = valid_body(method, path, world)
    data = json.dumps(body) if body is not None else ""
    return client.generic(method, fill(path, parameters), data, content_type="application/json", **extra)


def answer(response) -> tuple[int, bytes]:
    return response.status_code, response.content


# --- Anonymous callers ---------------------------------------------------------------------


@pytest.mark.parametrize(("method", "path"), PRIVATE, ids=[label(m, p) for m, p in PRIVATE])
def test_anonymous_callers_get_401_on_every_private_operation(world, method, path):
    before = stored_state()

    response = request(APIClient(), method, path, path_parameters_for(path, world), world)

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert response.json() == {"detail": "Authentication credentials were not provided."}
    assert stored_state() == before


WRONG_CREDENTIALS = ["Token not-a-real-token", "Token ", "Bearer abc", "Token a b", "Token \u00e9\u00e9"]


@pytest.mark.parametrize(("method", "path"), PRIVATE, ids=[label(m, p) for m, p in PRIVATE])
def test_a_wrong_token_gets_401_on_every_private_operation(world, method, path):
    parameters = path_parameters_for(path, world)
    client = APIClient()  # one client: each new one sets up the middleware (and WhiteNoise's file scan) again
    wrong = {}
    for credentials in WRONG_CREDENTIALS:
        client.credentials(HTTP_AUTHORIZATION=credentials)
        before = stored_state()

        response = request(client, method, path, parameters, world)

        if response.status_code != 401 or stored_state() != before:
            wrong[credentials] = response.status_code
    assert wrong == {}


def test_a_deactivated_learner_s_token_stops_working(world):
    client = world.owner_client
    world.owner.is_active = False
    world.owner.save()

    assert client.get("/api/me/").status_code == 401


# --- Another learner ------------------------------------------------------------------------


@pytest.mark.parametrize(("method", "path"), OBJECT_LEVEL, ids=[label(m, p) for m, p in OBJECT_LEVEL])
def test_another_learner_gets_404_on_every_object_operation_and_changes_nothing(world, method, path):
    before = stored_state()

    response = request(world.stranger_client, method, path, path_parameters_for(path, world), world)

    assert response.status_code == 404
    assert stored_state() == before


@pytest.mark.parametrize("path", OBJECT_PATHS)
@pytest.mark.parametrize("method", ["GET", "HEAD", "OPTIONS", "PUT", "POST", "PATCH", "DELETE"])
def test_no_method_tells_another_learner_s_object_from_a_missing_one(world, path, method):
    """Documented or not, every method answers for someone else's object exactly as for none at all."""
    client = world.stranger_client
    owned = path_parameters_for(path, world)
    before = stored_state()

    answers = [answer(request(client, method, path, p, world)) for p in (owned, dict.fromkeys(owned, MISSING_ID))]

    assert answers[0] == answers[1]
    assert answers[0][0] in (404, 405) or method == "OPTIONS"
    assert stored_state() == before


@pytest.mark.parametrize(("method", "path"), OBJECT_LEVEL, ids=[label(m, p) for m, p in OBJECT_LEVEL])
def test_another_learner_logged_in_by_session_gets_the_same_answer_as_for_a_missing_object(world, method, path):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.stranger)
    owned = path_parameters_for(path, world)
    before = stored_state()

    answers = [answer(request(client, method, path, p, world)) for p in (owned, dict.fromkeys(owned, MISSING_ID))]

    assert answers[0] == answers[1]
    assert answers[0][0] in (403, 404)  # unsafe methods stop at the CSRF check, before any lookup
    assert stored_state() == before


@pytest.mark.parametrize(
    ("method", "path"),
    [(m, p) for m, p in PRIVATE if m == "GET" and "{" not in p],
    ids=lambda v: v,
)
def test_another_learner_s_own_views_mention_nothing_of_the_owner(world, method, path):
    response = world.stranger_client.get(path)

    assert response.status_code == 200
    text = response.content.decode()
    leaks = [
        world.owner.email,
        world.feed.token,
        str(world.roadmap.role.name),
        *world.roadmap.tasks.values_list("title", flat=True),
    ]
    assert [leak for leak in leaks if leak in text] == []


def test_another_learner_s_feed_management_leaves_the_owner_s_feed_alone(world):
    stranger = world.stranger_client
    stranger.get("/api/calendar/")
    stranger.post("/api/calendar/rotate/")
    stranger.delete("/api/calendar/")

    assert Client().get(world.feed_path).status_code == 200


# --- The matrix covers everything ----------------------------------------------------------


def test_the_matrix_knows_an_object_of_the_owner_for_every_path_parameter(world):
    unknown = []
    for path in SCHEMA["paths"]:
        try:
            path_parameters_for(path, world)
        except KeyError as missing:
            unknown.append((path, missing.args))
    assert unknown == []


def test_the_matrix_has_object_and_collection_operations():
    assert {"GET /api/roadmaps/{id}/", "DELETE /api/roadmaps/{id}/", "PATCH /api/tasks/{id}/"} <= {
        label(m, p) for m, p in OBJECT_LEVEL
    }
    assert {"GET /api/me/", "GET /api/roadmaps/", "GET /api/calendar/"} <= {label(m, p) for m, p in PRIVATE}


def api_url_paths(resolver=None, prefix="/") -> set[str]:
    """Every route the URL resolver serves, in the schema's notation ({id}, {slug}, {token})."""
    paths = set()
    for pattern in (resolver or get_resolver()).url_patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            paths |= api_url_paths(pattern, route)
        elif isinstance(pattern, URLPattern):
            paths.add(re.sub(r"<(?:\w+:)?(\w+)>", lambda m: "{" + {"pk": "id"}.get(m[1], m[1]) + "}", route))
    return paths


def test_every_api_url_is_in_the_schema_and_so_in_the_matrix():
    served = {path for path in api_url_paths() if path.startswith("/api/")} - NOT_IN_SCHEMA

    assert served - set(SCHEMA["paths"]) == set()


# --- Feed tokens that were rotated or revoked ------------------------------------------------


def old_feed_answers(world, *, validators: dict) -> dict[str, int]:
    path = world.feed_path
    client = Client()
    return {
        "GET": client.get(path).status_code,
        "HEAD": client.head(path).status_code,
        "GET If-None-Match": client.get(path, HTTP_IF_NONE_MATCH=validators["ETag"]).status_code,
        "GET If-Modified-Since": client.get(path, HTTP_IF_MODIFIED_SINCE=validators["Last-Modified"]).status_code,
        "GET If-None-Match *": client.get(path, HTTP_IF_NONE_MATCH="*").status_code,
    }


@pytest.mark.parametrize("how", ["rotate", "revoke", "revoke then ask for a new one"])
def test_a_replaced_feed_token_is_dead_at_once_for_every_kind_of_request(world, how):
    """A calendar app polling with the validators it cached must get 404, never 304."""
    first = Client().get(world.feed_path)
    assert first.status_code == 200
    validators = {"ETag": first["ETag"], "Last-Modified": first["Last-Modified"]}

    if how == "rotate":
        world.owner_client.post("/api/calendar/rotate/")
    else:
        world.owner_client.delete("/api/calendar/")
        if how == "revoke then ask for a new one":
            world.owner_client.get("/api/calendar/")

    assert set(old_feed_answers(world, validators=validators).values()) == {404}


def test_the_new_feed_token_works_at_once_after_rotating(world):
    calendar_services.feed_rotate(user=world.owner)

    new_path = "/calendar/" + CalendarFeed.objects.get(user=world.owner).token + ".ics"
    assert Client().get(new_path).status_code == 200
