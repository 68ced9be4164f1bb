"""The calendar page: subscribe link, rotate, revoke, .ics download and e-mail export."""

import html
import re
from urllib.parse import parse_qs, urlsplit

import icalendar
import pytest
import time_machine
from django.test import Client

from roadmaps.models import CalendarFeed
from tests.factories import UserFactory
from tests.roadmaps.web.pages_data import NOW, make_roadmap

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen_clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def learner(db):
    return UserFactory()


@pytest.fixture
def client(client, learner):
    client.force_login(learner)
    return client


def feed_path(learner) -> str:
    feed = CalendarFeed.objects.get(user=learner)
    return f"/calendar/{feed.token}.ics"


def test_reading_the_page_makes_no_feed(client, learner):
    page = client.get("/calendar/").content.decode()

    assert "Make my calendar link" in page
    assert not CalendarFeed.objects.filter(user=learner).exists()


def test_making_the_link_shows_webcal_and_https_addresses_with_a_copy_button(client, learner, settings):
    settings.SITE_URL = "https://planner.example.org"

    response = client.post("/calendar/subscribe/", follow=True)

    page = response.content.decode()
    path = feed_path(learner)
    assert f'href="webcal://planner.example.org{path}"' in page
    assert f'value="https://planner.example.org{path}" readonly' in page
    assert 'data-copy="#feed-url" hidden' in page
    for app in ("Google Calendar", "Apple Calendar", "Outlook"):
        assert app in page


def test_the_link_shown_answers_a_calendar_of_the_learners_tasks(client, learner):
    roadmap = make_roadmap(learner, tasks=4)
    client.post("/calendar/subscribe/")
    page = client.get("/calendar/").content.decode()
    shown = page.split('id="feed-url" value="')[1].split('"')[0]

    response = Client().get(urlsplit(shown).path)

    assert response.status_code == 200
    calendar = icalendar.Calendar.from_ical(response.content)
    summaries = {str(event["SUMMARY"]) for event in calendar.walk("VEVENT")}
    assert {t.title for t in roadmap.tasks.all()} <= summaries


def test_making_a_new_link_kills_the_old_one(client, learner):
    client.post("/calendar/subscribe/")
    old = feed_path(learner)

    response = client.post("/calendar/rotate/", follow=True)

    new = feed_path(learner)
    assert new != old
    assert new in response.content.decode()
    assert Client().get(old).status_code == 404
    assert Client().get(new).status_code == 200


def test_turning_the_link_off_kills_it_and_a_reload_does_not_bring_it_back(client, learner):
    client.post("/calendar/subscribe/")
    old = feed_path(learner)

    client.post("/calendar/revoke/")
    page = client.get("/calendar/").content.decode()

    assert Client().get(old).status_code == 404
    assert not CalendarFeed.objects.filter(user=learner).exists()
    assert "Make my calendar link" in page


def test_each_roadmap_has_a_download_link_and_an_email_button(client, learner):
    roadmap = make_roadmap(learner, tasks=3)

    page = client.get("/calendar/").content.decode()

    assert f'href="/api/roadmaps/{roadmap.id}/calendar.ics" download' in page
    assert f'action="/roadmaps/{roadmap.id}/export/"' in page
    download = client.get(f"/api/roadmaps/{roadmap.id}/calendar.ics")
    assert download.status_code == 200
    assert download["Content-Type"].startswith("text/calendar")


def test_the_calendar_actions_take_only_post(client, learner):
    assert client.get("/calendar/subscribe/").status_code == 405
    assert not CalendarFeed.objects.exists()


@pytest.mark.parametrize(
    ("path", "question", "answer"),
    [
        ("/calendar/rotate/", "Make a new calendar link?", "Yes, make a new link"),
        ("/calendar/revoke/", "Turn the calendar link off?", "Yes, turn the link off"),
    ],
)
def test_making_a_new_link_or_turning_it_off_asks_first_without_any_script(client, learner, path, question, answer):
    client.post("/calendar/subscribe/")
    old = feed_path(learner)
    calendar_page = client.get("/calendar/").content.decode()

    response = client.get(path)

    page = response.content.decode()
    assert f'href="{path}"' in calendar_page and "data-confirm" not in calendar_page
    assert response.status_code == 200
    assert f'<h1 id="confirm-heading">{question}</h1>' in page
    assert '<form method="post"' in page and f">{answer}</button>" in page
    assert feed_path(learner) == old
    assert Client().get(old).status_code == 200


def test_the_confirmation_without_a_link_goes_back_to_the_calendar_page(client, learner):
    response = client.get("/calendar/revoke/")

    assert (response.status_code, response["Location"]) == (302, "/calendar/")
    assert not CalendarFeed.objects.exists()


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/calendar/"),
        ("get", "/calendar/rotate/"),
        ("post", "/calendar/subscribe/"),
        ("post", "/calendar/rotate/"),
        ("post", "/calendar/revoke/"),
    ],
)
def test_the_calendar_pages_need_a_login(db, method, path):
    response = getattr(Client(), method)(path)

    assert response.status_code == 302
    assert response["Location"].startswith("/login/?next=")
    assert not CalendarFeed.objects.exists()


def test_the_page_offers_one_click_google_and_outlook_subscriptions(client, learner, settings):
    settings.SITE_URL = "https://planner.example.org"

    page = client.post("/calendar/subscribe/", follow=True).content.decode()

    path = feed_path(learner)
    token = path.removeprefix("/calendar/").removesuffix(".ics")
    google = re.search(r'href="([^"]+)"[^>]*data-testid="google-link"', page)
    outlook = re.search(r'href="([^"]+)"[^>]*data-testid="outlook-link"', page)
    assert google and outlook
    google_url, outlook_url = (urlsplit(html.unescape(m[1])) for m in (google, outlook))
    assert (google_url.scheme, google_url.netloc, google_url.path) == (
        "https",
        "calendar.google.com",
        "/calendar/render",
    )
    assert parse_qs(google_url.query) == {"cid": [f"webcal://planner.example.org/calendar/{token}.ics"]}
    assert (outlook_url.netloc, outlook_url.path) == ("outlook.live.com", "/calendar/0/addfromweb")
    assert parse_qs(outlook_url.query) == {
        "url": [f"https://planner.example.org/calendar/{token}.ics"],
        "name": ["Learning roadmap"],
    }
    assert "every 8 to 24 hours" in page
