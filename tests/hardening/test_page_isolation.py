"""The web pages keep learners apart as the API does: the matrix comes from the URL configuration.

Every route outside /api/ and /admin/ must be listed below as public, token
(the token in the URL is the credential), private (the learner's own data, no
id in the URL) or object (an id in the URL). A new page that is in none of the
lists fails ``test_every_page_is_in_the_matrix``; once listed it joins every
check of its kind:

- object pages: another learner gets 404 for GET and POST (405 for a method
  the page never accepts), exactly as for an id that does not exist, and
  nothing is stored; the owner reaches them; anonymous visitors are sent to
  the log-in page whether the object exists or not;
- private pages: anonymous visitors are sent to the log-in page; another
  learner's GET or POST leaves the owner's rows alone and shows none of them.
"""

from __future__ import annotations

import re
from urllib.parse import quote

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from roadmaps.models import CalendarExport, CalendarFeed, Roadmap, Task
from tests.hardening.conftest import MISSING_ID, World, stored_state

pytestmark = pytest.mark.django_db

LOGIN_URL = "/login/"
EVERY_METHOD = ("GET", "POST")

PUBLIC_PAGES = {
    "",
    "signup/",
    "login/",
    "logout/",
    "password-reset/",
    "password-reset/sent/",
    "password-reset/done/",
    "health/",
    "ping/",
    "robots.txt",
    # The language switch: a cookie for anyone, the profile too for a logged-in learner (tests/test_translations.py).
    "language/",
}
# Covered where their tokens are tested: tests/roadmaps/calendar/test_feed.py,
# tests/roadmaps/nudges/test_unsubscribe.py, tests/accounts/test_pages_auth.py.
TOKEN_PAGES = {
    "calendar/<path:token>.ics",
    "nudges/unsubscribe/<str:token>/",
    "password-reset/<uidb64>/<token>/",
    # tests/roadmaps/portfolio/test_public_page.py
    "p/<str:token>/",
    # tests/accounts/ (e-mail verification)
    "verify-email/<str:key>/",
}
PRIVATE_PAGES = {
    "dashboard/",
    "start/",
    "start/track/",
    "start/skills/",
    "start/schedule/",
    "start/preview/",
    "start/create/",
    "calendar/",
    "calendar/subscribe/",
    "calendar/rotate/",
    "calendar/revoke/",
    "settings/",
    "settings/data/",
    "settings/delete/",
    "portfolio/",
}
# Object pages: what the owner gets for each method the page accepts (any other method gets 405 from everyone).
OBJECT_PAGES = {
    "roadmaps/<int:pk>/": {"GET": 200, "POST": 200},
    "roadmaps/<int:pk>/dashboard/": {"GET": 200, "POST": 200},
    "roadmaps/<int:pk>/replan/": {"GET": 200, "POST": 302},
    "roadmaps/<int:pk>/pace/": {"GET": 200, "POST": 302},
    # The world's roadmap starts today, so it is not behind: no option is offered and the owner's
    # POST reaches the page and is refused on it (400); applying is tested in test_change_pages.py.
    "roadmaps/<int:pk>/catch-up/": {"GET": 200, "POST": 400},
    "roadmaps/<int:pk>/tasks/": {"POST": 302},
    "roadmaps/<int:pk>/export/": {"POST": 302},
    "roadmaps/<int:pk>/delete/": {"GET": 200, "POST": 302},
    "tasks/<int:pk>/status/": {"POST": 302},
    "roadmaps/<int:pk>/print/": {"GET": 200},
    "roadmaps/<int:pk>/checklist.csv": {"GET": 200},
    "roadmaps/<int:pk>/checklist.md": {"GET": 200},
    "milestones/<int:pk>/status/": {"POST": 302},
    "milestones/<int:pk>/evidence/": {"POST": 302},
}


def page_routes(resolver=None, prefix: str = "") -> set[str]:
    """Every route the URL configuration serves outside the API and the admin, as written there."""
    routes = set()
    for pattern in (resolver or get_resolver()).url_patterns:
        route = prefix + str(pattern.pattern)
        if route.startswith(("api/", "admin/")):
            continue
        if isinstance(pattern, URLResolver):
            routes |= page_routes(pattern, route)
        elif isinstance(pattern, URLPattern):
            routes.add(route)
    return routes


def has_parameter(route: str) -> bool:
    return bool(re.search(r"<[^>]+>", route))


def object_path(route: str, world: World, *, missing: bool = False) -> str:
    """The route filled with the owner's object of that kind (or an id nobody has)."""
    if route.startswith("tasks/"):
        owned = world.task_ids[0]
    elif route.startswith("milestones/"):
        owned = world.milestone_ids[0]
    else:
        owned = world.roadmap.id
    return "/" + route.replace("<int:pk>", str(MISSING_ID if missing else owned))


def owner_body(route: str, world: World | None = None) -> dict:
    """What the owner's own form would post, so only the owner is wrong."""
    bodies = {
        "roadmaps/<int:pk>/replan/": {"weekly_hours": "12", "study_days": ["1", "3", "5"]},
        "roadmaps/<int:pk>/pace/": {"weekly_hours": "12", "study_days": ["1", "3", "5"]},
        "roadmaps/<int:pk>/catch-up/": {"kind": "extend"},
        "roadmaps/<int:pk>/tasks/": {"done": world.task_ids[0]} if world else {},
        "tasks/<int:pk>/status/": {"status": "done"},
        "milestones/<int:pk>/status/": {"status": "done"},
        "milestones/<int:pk>/evidence/": {"evidence_url": "https://github.com/owner/project", "note": "Shipped"},
    }
    return bodies.get(route, {})


def send(client: Client, method: str, path: str, route: str, world: World | None = None):
    if method == "POST":
        return client.post(path, owner_body(route, world))
    return client.get(path)


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def owner_rows(world: World) -> dict:
    """Everything of the owner's a page could change."""
    owner = world.owner
    return {
        "user": list(type(owner).objects.filter(pk=owner.pk).values("email", "name", "password", "is_active")),
        "profile": list(type(owner.profile).objects.filter(user=owner).values()),
        "roadmaps": list(Roadmap.objects.filter(user=owner).order_by("id").values()),
        "tasks": list(Task.objects.filter(roadmap__user=owner).order_by("id").values()),
        "feed": list(CalendarFeed.objects.filter(user=owner).values_list("id", "token")),
        "exports": list(CalendarExport.objects.filter(roadmap__user=owner).values_list("id", "status")),
    }


def owner_traces(world: World) -> list[str]:
    """What only the owner's pages may show (role and track names are the public catalog's)."""
    return [world.owner.email, world.feed.token, *world.roadmap.tasks.values_list("title", flat=True)]


OBJECT_CASES = [(route, method) for route in sorted(OBJECT_PAGES) for method in EVERY_METHOD]
PRIVATE_CASES = [(route, method) for route in sorted(PRIVATE_PAGES) for method in EVERY_METHOD]


def case_id(case) -> str:
    route, method = case
    return f"{method} /{route}"


# --- The matrix covers every page -------------------------------------------------------------


def test_every_page_is_in_the_matrix():
    served = page_routes()
    listed = PUBLIC_PAGES | TOKEN_PAGES | PRIVATE_PAGES | set(OBJECT_PAGES)

    assert served - listed == set(), "a page nobody has classified: add it to one of the lists above"
    assert listed - served == set(), "a listed page that is no longer served"


def test_every_page_with_a_parameter_in_its_url_is_an_object_or_a_token_page():
    with_parameter = {route for route in page_routes() if has_parameter(route)}

    assert with_parameter == set(OBJECT_PAGES) | TOKEN_PAGES
    assert not any(has_parameter(route) for route in PUBLIC_PAGES | PRIVATE_PAGES)


# --- Object pages ---------------------------------------------------------------------------


@pytest.mark.parametrize(("route", "method"), OBJECT_CASES, ids=map(case_id, OBJECT_CASES))
def test_another_learner_gets_404_on_every_object_page_and_changes_nothing(world, route, method):
    client = logged_in(world.stranger)
    before = stored_state()

    response = send(client, method, object_path(route, world), route, world)

    assert response.status_code == (404 if method in OBJECT_PAGES[route] else 405)
    assert stored_state() == before


@pytest.mark.parametrize(("route", "method"), OBJECT_CASES, ids=map(case_id, OBJECT_CASES))
def test_another_learner_s_object_answers_exactly_as_a_missing_one(world, route, method):
    client = logged_in(world.stranger)

    owned = send(client, method, object_path(route, world), route, world)
    missing = send(client, method, object_path(route, world, missing=True), route, world)

    assert (owned.status_code, without_per_request_parts(owned.content)) == (
        missing.status_code,
        without_per_request_parts(missing.content),
    )


def without_per_request_parts(content: bytes) -> bytes:
    # The log-out form in the header carries a CSRF token masked anew for every response.
    content = re.sub(rb'name="csrfmiddlewaretoken" value="[^"]*"', b'name="csrfmiddlewaretoken"', content)
    # The footer's language switch sends the visitor back to the address they asked for (their own URL).
    return re.sub(rb'name="next" value="[^"]*"', b'name="next"', content)


@pytest.mark.parametrize(("route", "method"), OBJECT_CASES, ids=map(case_id, OBJECT_CASES))
def test_the_owner_reaches_every_object_page(world, route, method):
    """The control: the same requests do reach the page for the one learner they belong to."""
    response = send(logged_in(world.owner), method, object_path(route, world), route, world)

    assert response.status_code == OBJECT_PAGES[route].get(method, 405)


@pytest.mark.parametrize(("route", "method"), OBJECT_CASES, ids=map(case_id, OBJECT_CASES))
def test_anonymous_visitors_are_sent_to_log_in_from_every_object_page_whether_it_exists_or_not(world, route, method):
    before = stored_state()

    for path in (object_path(route, world), object_path(route, world, missing=True)):
        response = send(Client(), method, path, route, world)

        assert response.status_code == 302
        assert response["Location"] == f"{LOGIN_URL}?next={quote(path)}"
    assert stored_state() == before


# --- Private pages ----------------------------------------------------------------------------


@pytest.mark.parametrize(("route", "method"), PRIVATE_CASES, ids=map(case_id, PRIVATE_CASES))
def test_anonymous_visitors_are_sent_to_log_in_from_every_private_page(world, route, method):
    before = stored_state()
    path = "/" + route

    response = send(Client(), method, path, route)

    assert response.status_code == 302
    assert response["Location"] == f"{LOGIN_URL}?next={quote(path)}"
    assert stored_state() == before


@pytest.mark.parametrize(("route", "method"), PRIVATE_CASES, ids=map(case_id, PRIVATE_CASES))
def test_another_learner_on_a_private_page_neither_touches_nor_sees_the_owner_s_rows(world, route, method):
    client = logged_in(world.stranger)
    before = owner_rows(world)

    response = send(client, method, "/" + route, route)

    assert response.status_code < 500
    assert owner_rows(world) == before
    text = response.content.decode()
    assert [trace for trace in owner_traces(world) if trace in text] == []
