"""``/robots.txt`` keeps crawlers out of the API and the calendar, and lets them see the pages.

No test here has database access: the file is served without touching the database."""

from urllib.robotparser import RobotFileParser

import pytest


@pytest.fixture
def robots(client) -> RobotFileParser:
    response = client.get("/robots.txt")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    parser = RobotFileParser()
    parser.parse(response.content.decode().splitlines())
    return parser


@pytest.mark.parametrize(
    "path", ["/api/", "/api/roles/", "/api/schema/", "/calendar/", "/calendar/abc123.ics", "/admin/"]
)
def test_crawlers_are_kept_out_of_the_api_and_the_calendar(robots, path):
    assert not robots.can_fetch("Googlebot", f"http://planner.example.org{path}")


@pytest.mark.parametrize("path", ["/", "/login/", "/signup/"])
def test_crawlers_may_read_the_public_pages(robots, path):
    assert robots.can_fetch("Googlebot", f"http://planner.example.org{path}")
