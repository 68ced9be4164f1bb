"""The public feed goes to its view past the page middleware, with the same security headers."""

from __future__ import annotations

import pytest
from csp.constants import NONE
from django.test import Client

from roadmaps.calendar import services as calendar_services
from tests.roadmaps.calendar.data import path_of, roadmap_with_tasks

pytestmark = pytest.mark.django_db


@pytest.fixture
def feed(learner) -> str:
    roadmap_with_tasks(learner, tasks=3)
    return path_of(calendar_services.feed_urls(calendar_services.feed_get_or_create(user=learner))["feed_url"])


@pytest.mark.parametrize("answer", ["200", "304", "404", "405"])
def test_every_feed_answer_carries_the_security_headers_a_page_carries(feed, answer):
    page = Client().get("/ping/")
    client = Client()
    response = {
        "200": lambda: client.get(feed),
        "304": lambda: client.get(feed, HTTP_IF_NONE_MATCH=client.get(feed).headers["ETag"]),
        "404": lambda: client.get("/calendar/no-such-token.ics"),
        "405": lambda: client.post(feed),
    }[answer]()

    assert response.status_code == int(answer)
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Content-Security-Policy"] == page.headers["Content-Security-Policy"]
    assert response.headers["Referrer-Policy"] == "no-referrer"  # the feed's own


def test_the_page_middleware_never_runs_for_the_feed(feed):
    served = Client().get(feed).wsgi_request
    page = Client().get("/ping/").wsgi_request

    # No user, messages, CSRF token or CSP nonce were prepared for the feed; a page gets them all.
    skipped = ("user", "_messages", "csp_nonce", "allauth", "session")
    assert [name for name in skipped if hasattr(served, name)] == []
    assert [name for name in skipped if hasattr(page, name)] == list(skipped)
    assert served.resolver_match.url_name == "calendar-feed"


def test_the_feed_follows_a_change_of_the_site_s_policy(feed, settings):
    before = Client().get(feed).headers["Content-Security-Policy"]
    settings.CONTENT_SECURITY_POLICY = {"DIRECTIVES": {"default-src": [NONE]}}

    after = Client().get(feed).headers["Content-Security-Policy"]

    assert after == "default-src 'none'" != before
    assert Client().get("/ping/").headers["Content-Security-Policy"] == after


def test_a_feed_answer_with_a_body_says_its_length_and_a_304_says_none(feed):
    client = Client()
    full = client.get(feed)
    unchanged = client.get(feed, HTTP_IF_NONE_MATCH=full.headers["ETag"])

    assert full.headers["Content-Length"] == str(len(full.content))
    assert unchanged.status_code == 304 and "Content-Length" not in unchanged.headers


def test_a_feed_asked_for_on_a_host_not_served_is_a_400(feed):
    response = Client().get(feed, HTTP_HOST="elsewhere.example.org")

    assert response.status_code == 400


def test_the_feed_s_error_answers_are_in_the_language_the_client_asks_for(feed):
    english = Client().post(feed).json()["detail"]
    french = Client(HTTP_ACCEPT_LANGUAGE="fr").post(feed)

    assert french.status_code == 405
    assert french.json()["detail"] != english and "POST" in french.json()["detail"]
    assert "Accept-Language" not in french.headers.get("Vary", "")
