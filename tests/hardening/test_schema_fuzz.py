"""The whole API fuzzed from its own OpenAPI schema (schemathesis), in-process, as a real learner.

Two halves:
- the fuzz: for every operation, generated examples (valid and invalid, half of
  them aimed at the learner's real objects) must never get a 5xx, and every
  answer must match the schema: documented status, content type and body.
  Each operation is its own test with a fresh world, so the ones that destroy
  (DELETE a roadmap, revoke or rotate the feed) act on objects of their own;
- the reachability table: every status code the schema documents is produced
  by a request written out here, and that answer matches the schema too.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from rest_framework.throttling import SimpleRateThrottle
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from accounts.models import Profile
from config.wsgi import application
from roadmaps.calendar.api import FeedAddressThrottle, FeedTokenThrottle
from roadmaps.models import Roadmap, Task
from tests.conftest import clear_our_cache
from tests.factories import PASSWORD, token_for
from tests.hardening.conftest import MISSING_ID, World, path_parameters_for, today, valid_body

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
FUZZ_EXAMPLES = 50  # per operation: the whole fuzz stays around a minute on two cores

schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", application)


@pytest.fixture
def wsgi_keeps_the_test_transaction():
    """Serve requests through the real WSGI handler inside the test's transaction.

    Django closes a connection that is not in autocommit mode at the end of each
    request; its own test client unhooks that the same way.
    """
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def owner_headers(world: World) -> dict:
    return {"Authorization": f"Token {token_for(world.owner)}"}


# --- The fuzz ---------------------------------------------------------------------------


def aim_at_real_objects(case, world: World) -> None:
    """Point the example at the learner's own objects, so it reaches past the 404 and the 400."""
    if case.path_parameters:
        case.path_parameters.update(path_parameters_for(case.path, world))
    if isinstance(case.body, dict):
        case.body.update(real_body_fields(case.method, case.path, world))


def real_body_fields(method: str, path: str, world: World) -> dict:
    if (method, path) == ("POST", "/api/roadmaps/"):
        return {"role": world.role_slug, "track": world.track_slug, "start_date": today().isoformat()}
    if (method, path) == ("POST", "/api/auth/token/"):
        return {"email": world.owner.email, "password": PASSWORD}
    return {}


@pytest.mark.django_db
@pytest.mark.usefixtures("wsgi_keeps_the_test_transaction")
@schema.parametrize()
@schema.given(real_objects=st.booleans())
@settings(max_examples=FUZZ_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
def test_every_operation_answers_as_its_schema_says(case, real_objects, world):
    if real_objects:
        aim_at_real_objects(case, world)
    # Throttle counters would turn most examples into 429s after the first few;
    # the table below reaches every 429 on purpose.
    clear_our_cache()
    case.call_and_validate(headers=owner_headers(world), checks=CHECKS)


# --- Every documented status code is reachable -------------------------------------------


class Caller:
    """Sends requests as schemathesis cases, so the last answer can be checked against the schema."""

    def __init__(self, world: World):
        self.world = world
        self.last = None

    def __call__(self, method: str, path: str, *, auth="owner", parameters=None, body=None, query=None, headers=None):
        case = schema[path][method.lower()].Case(
            path_parameters=path_parameters_for(path, self.world) if parameters is None else parameters,
            query=query,
            headers=headers,
            **({} if body is None else {"body": body}),
        )
        credentials = {"owner": owner_headers(self.world), "anonymous": {}, "wrong": {"Authorization": "Token x"}}
        response = case.call(headers=credentials[auth])
        self.last = (case, response)
        return response

    def repeat(self, times: int, method: str, path: str, **kwargs):
        for _ in range(times):
            response = self(method, path, **kwargs)
        return response


def requests_to_exceed(*scopes: str) -> int:
    """One more request than the tightest of these throttles allows ("10/hour" allows 10)."""
    return min(int(SimpleRateThrottle.THROTTLE_RATES[scope].split("/")[0]) for scope in scopes) + 1


def huge_body() -> dict:
    return {"name": "x" * (5 * 1024 * 1024)}


def catch_up_when_behind(call: Caller, method: str, path: str) -> None:
    """Two weeks in with nothing done: behind, so "extend" is offered and applies."""
    start = today() - timedelta(days=7)
    tasks = Task.objects.filter(roadmap=call.world.roadmap)
    tasks.update(start_date=start, due_date=start)
    Roadmap.objects.filter(pk=call.world.roadmap.pk).update(start_date=start)
    call(method, path, body={"kind": "extend"})


def feed_not_modified(call: Caller, path: str) -> None:
    (etag,) = call("GET", path).headers["etag"]
    call("GET", path, headers={"If-None-Match": etag})


# One request (or a short sequence) per documented answer; rows that follow a rule
# for every operation (401, 404, 413) are generated below, the rest are written out.
SPECIFIC: dict[tuple[str, str, int], Callable[[Caller, str, str], object]] = {
    ("POST", "/api/auth/register/", 201): lambda call, m, p: call(m, p, body=valid_body(m, p, call.world)),
    ("POST", "/api/auth/register/", 400): lambda call, m, p: call(m, p, body={"email": "not-an-address"}),
    ("POST", "/api/auth/register/", 429): lambda call, m, p: call.repeat(
        requests_to_exceed("register"), m, p, body=valid_body(m, p, call.world)
    ),
    ("POST", "/api/auth/token/", 200): lambda call, m, p: call(m, p, body=valid_body(m, p, call.world)),
    ("POST", "/api/auth/token/", 400): lambda call, m, p: call(
        m, p, body={"email": call.world.owner.email, "password": "wrong-guess"}
    ),
    ("POST", "/api/auth/token/", 429): lambda call, m, p: call.repeat(
        requests_to_exceed("login"), m, p, body={"email": "a@example.com", "password": "guess"}
    ),
    ("POST", "/api/auth/password/", 400): lambda call, m, p: call(
        m, p, body={**valid_body(m, p, call.world), "current_password": "wrong-guess"}
    ),
    ("POST", "/api/auth/password/", 429): lambda call, m, p: call.repeat(
        requests_to_exceed("password_change"), m, p, body={**valid_body(m, p, call.world), "current_password": "no"}
    ),
    ("POST", "/api/auth/password-reset/", 400): lambda call, m, p: call(m, p, body={"email": "not-an-address"}),
    ("POST", "/api/auth/password-reset/", 429): lambda call, m, p: call.repeat(
        requests_to_exceed("password_reset", "password_reset_account"), m, p, body=valid_body(m, p, call.world)
    ),
    ("DELETE", "/api/me/", 400): lambda call, m, p: call(m, p, body={"password": "wrong-guess"}),
    ("DELETE", "/api/me/", 429): lambda call, m, p: call.repeat(
        requests_to_exceed("account_delete"), m, p, body={"password": "wrong-guess"}
    ),
    ("POST", "/api/auth/verify/", 200): lambda call, m, p: call(m, p, body={"key": new_verification_key()}),
    ("POST", "/api/auth/verify/", 400): lambda call, m, p: call(m, p, body={"key": "not-a-key"}),
    ("POST", "/api/auth/verify/", 429): lambda call, m, p: call.repeat(
        requests_to_exceed("verify"), m, p, body={"key": "not-a-key"}
    ),
    ("PATCH", "/api/me/", 400): lambda call, m, p: call(m, p, body={"timezone": "Mars/Olympus_Mons"}),
    ("GET", "/api/roadmaps/", 404): lambda call, m, p: call(m, p, query={"page": 99}),
    ("POST", "/api/roadmaps/", 400): lambda call, m, p: call(
        m, p, body={**valid_body(m, p, call.world), "weekly_hours": 1, "target_weeks": 1}
    ),
    ("POST", "/api/roadmaps/{id}/replan/", 400): lambda call, m, p: call(m, p, body={"from_date": "2026-02-30"}),
    ("POST", "/api/roadmaps/preview/", 400): lambda call, m, p: call(
        m, p, body={**valid_body(m, p, call.world), "weekly_hours": 1, "target_weeks": 1}
    ),
    ("GET", "/api/roadmaps/{id}/sessions/", 400): lambda call, m, p: call(m, p, query={"from": "2026-02-30"}),
    # Not behind (the plan starts today): no option to apply.
    ("POST", "/api/roadmaps/{id}/catch-up/", 400): lambda call, m, p: call(m, p, body={"kind": "extend"}),
    ("POST", "/api/roadmaps/{id}/catch-up/", 200): lambda call, m, p: catch_up_when_behind(call, m, p),
    ("POST", "/api/roadmaps/{id}/export/", 429): lambda call, m, p: call.repeat(requests_to_exceed("export"), m, p),
    ("PATCH", "/api/tasks/{id}/", 400): lambda call, m, p: call(m, p, body={"status": "finished"}),
    ("PATCH", "/api/milestones/{id}/", 400): lambda call, m, p: call(m, p, body={"evidence_url": "http://x.example"}),
    ("POST", "/api/me/portfolio/", 400): lambda call, m, p: call(m, p, body={"public": "maybe"}),
    ("GET", "/calendar/{token}.ics", 200): lambda call, m, p: call(m, p, auth="anonymous"),
    ("GET", "/calendar/{token}.ics", 304): lambda call, m, p: feed_not_modified(call, p),
    ("GET", "/calendar/{token}.ics", 404): lambda call, m, p: call(m, p, parameters={"token": "no-such-token"}),
    ("GET", "/calendar/{token}.ics", 429): lambda call, m, p: call.repeat(
        requests_to_exceed(FeedTokenThrottle.scope, FeedAddressThrottle.scope), m, p, auth="anonymous"
    ),
}
for _list in ("/api/roles/", "/api/tracks/", "/api/skills/"):
    SPECIFIC[("GET", _list, 404)] = lambda call, m, p: call(m, p, query={"page": 99})
    SPECIFIC[("GET", _list + "{slug}/", 404)] = lambda call, m, p: call(m, p, parameters={"slug": "no-such-slug"})


def new_verification_key() -> str:
    from allauth.account.models import EmailConfirmationHMAC

    from accounts.verification import address_record
    from tests.factories import UserFactory

    return EmailConfirmationHMAC(address_record(user=UserFactory(email_verified=False))).key


def by_rule(call: Caller, method: str, path: str, status: int):
    if status in (200, 201, 202, 204):
        return call(method, path, body=valid_body(method, path, call.world))
    if status == 401:
        # Private operations refuse anonymous callers; public ones refuse a bad token.
        anonymous_allowed = {} in (schema[path][method.lower()].definition.raw.get("security") or [{}])
        return call(method, path, auth="wrong" if anonymous_allowed else "anonymous")
    if status == 404:
        return call(method, path, parameters=dict.fromkeys(path_parameters_for(path, call.world), MISSING_ID))
    if status == 413:
        return call(method, path, body=huge_body())
    if status == 400 and method == "GET":
        # Lists refuse a query parameter they do not know (config/pagination.py).
        return call(method, path, query={"pgae": "2"})
    raise LookupError(f"no request written for {status} on {method} {path}")


def documented_answers() -> list[tuple[str, str, int]]:
    return [
        (operation.method.upper(), operation.path, int(status))
        for result in schema.get_all_operations()
        for operation in [result.ok()]
        for status in operation.definition.raw["responses"]
    ]


@pytest.mark.django_db
@pytest.mark.usefixtures("wsgi_keeps_the_test_transaction")
@pytest.mark.parametrize(("method", "path", "status"), documented_answers(), ids=lambda v: str(v))
def test_every_documented_status_code_is_reachable(method, path, status, world):
    call = Caller(world)
    make_request = SPECIFIC.get((method, path, status))
    if make_request is not None:
        make_request(call, method, path)
    else:
        by_rule(call, method, path, status)

    case, response = call.last
    assert response.status_code == status, response.text[:300]
    case.validate_response(response, checks=CHECKS)


def test_the_table_only_names_documented_answers():
    assert set(SPECIFIC) - set(documented_answers()) == set()


# --- What the fuzz found, kept as plain regressions --------------------------------------


@pytest.mark.django_db
@pytest.mark.usefixtures("wsgi_keeps_the_test_transaction")
def test_a_profile_with_nudges_off_matches_the_schema(world):
    """Found by schemathesis: ``next_nudge_at`` is null while nudges are off, the schema said string."""
    Profile.objects.filter(user=world.owner).update(nudges_enabled=False, next_nudge_at=None)
    call = Caller(world)

    response = call("GET", "/api/me/")

    assert response.status_code == 200
    assert response.json()["next_nudge_at"] is None
    call.last[0].validate_response(response, checks=CHECKS)


@pytest.mark.django_db
@pytest.mark.parametrize("query", ["?page=", "?page=abc", "?page=-1", "?page=0"])
def test_a_page_that_is_not_a_positive_number_is_a_404(api_client, query):
    """Found by schemathesis: an empty ``?page=`` was answered as page 1."""
    response = api_client.get(f"/api/roles/{query}")

    assert response.status_code == 404


@pytest.mark.django_db
def test_an_unknown_query_parameter_of_a_list_is_a_400_naming_it(api_client):
    response = api_client.get("/api/roles/?pgae=2")

    assert response.status_code == 400
    assert "pgae" in response.json()


def test_the_schema_says_what_the_service_requires():
    """Found by schemathesis: ``PATCH /api/tasks/{id}/`` needs ``status``; study days are one or more."""
    from tests.hardening.conftest import SCHEMA, resolve

    task_body = SCHEMA["paths"]["/api/tasks/{id}/"]["patch"]["requestBody"]["content"]["application/json"]["schema"]
    assert resolve(task_body)["required"] == ["status"]
    for component in ("PatchedProfileRequest", "RoadmapCreateRequest", "ReplanRequest"):
        assert SCHEMA["components"]["schemas"][component]["properties"]["study_days"]["minItems"] == 1, component
