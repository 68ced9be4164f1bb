"""Error pages: the site's own layout, landmarks and a way back; JSON under /api/."""

import pytest
from django.test import Client, RequestFactory

from config import exceptions
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def assert_styled_error(response, status: int, title: str) -> None:
    body = response.content.decode()
    assert response.status_code == status
    assert response["Content-Type"].startswith("text/html")
    assert f"<title>{title} · Roadmap Planner</title>" in body
    assert '<main id="main"' in body and '<header class="site-header">' in body
    assert 'href="/">Go to the home page</a>' in body


def test_an_unknown_page_is_the_sites_own_404_with_a_way_back(client):
    assert_styled_error(client.get("/no-such-page/"), 404, "Page not found")


def test_another_learners_roadmap_is_the_same_styled_404(client):
    client.force_login(UserFactory())

    response = client.get("/roadmaps/999999/")

    assert_styled_error(response, 404, "Page not found")
    assert b'href="/dashboard/">Go to your dashboard</a>' in response.content


def test_a_bad_host_header_is_a_styled_400(client):
    assert_styled_error(client.get("/", HTTP_HOST="not a host"), 400, "That request did not work")


def test_a_form_posted_without_its_csrf_token_is_a_styled_403_that_says_what_to_do():
    response = Client(enforce_csrf_checks=True).post("/login/", {"username": "a@example.com", "password": "x"})

    assert_styled_error(response, 403, "This form has expired")
    assert b"reload the page" in response.content


def test_the_403_handler_draws_the_styled_page():
    request = RequestFactory().get("/settings/")
    request.user = UserFactory()

    assert_styled_error(exceptions.permission_denied(request, None), 403, "You cannot open this page")


def test_the_500_page_is_styled_and_needs_no_request_context():
    response = exceptions.server_error(RequestFactory().get("/dashboard/"))

    assert_styled_error(response, 500, "Something went wrong")
    assert b"Log out" not in response.content


@pytest.mark.parametrize(
    ("handler", "status"),
    [
        (lambda request: exceptions.bad_request(request, None), 400),
        (lambda request: exceptions.permission_denied(request, None), 403),
        (lambda request: exceptions.page_not_found(request, None), 404),
        (exceptions.server_error, 500),
        (exceptions.csrf_failure, 403),
    ],
)
def test_errors_under_the_api_stay_json(handler, status):
    response = handler(RequestFactory().get("/api/roadmaps/1/"))

    assert response.status_code == status
    assert response["Content-Type"] == "application/json"
    assert b'"detail"' in response.content


def test_an_unknown_api_path_is_json_not_the_page(client):
    response = client.get("/api/no-such-thing/")

    assert (response.status_code, response["Content-Type"]) == (404, "application/json")
