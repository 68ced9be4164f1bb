"""How the feed is served: from its stored body, gzipped, with validators that move only with the bytes."""

from __future__ import annotations

import gzip
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.test import Client

from roadmaps.calendar import services as calendar_services
from roadmaps.models import CalendarFeed, Roadmap
from roadmaps.plans import services
from tests.factories import UserFactory
from tests.roadmaps.calendar.data import START, icalendar_events, path_of, roadmap_with_tasks, sessions_of, task_uid

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def frozen_clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def feed_of(user) -> str:
    feed = calendar_services.feed_get_or_create(user=user)
    return path_of(calendar_services.feed_urls(feed)["feed_url"])


@pytest.fixture
def plan(learner):
    return roadmap_with_tasks(learner, tasks=6)


@pytest.fixture
def feed(learner, plan) -> str:
    return feed_of(learner)


# --- Served from the stored body ------------------------------------------------------


def test_an_unchanged_feed_is_served_from_the_cache_with_no_query(feed, django_assert_num_queries):
    first = Client().get(feed)

    with django_assert_num_queries(0):
        again = Client().get(feed)
    with django_assert_num_queries(0):
        gzipped = Client().get(feed, HTTP_ACCEPT_ENCODING="gzip")

    assert again.status_code == 200
    assert again.content == first.content
    assert again.headers["ETag"] == first.headers["ETag"]
    assert gzip.decompress(gzipped.content) == first.content


def test_a_cached_304_takes_no_query(feed, django_assert_num_queries):
    etag = Client().get(feed, HTTP_ACCEPT_ENCODING="gzip").headers["ETag"]

    with django_assert_num_queries(0):
        response = Client().get(feed, HTTP_ACCEPT_ENCODING="gzip", HTTP_IF_NONE_MATCH=etag)

    assert response.status_code == 304
    assert response.headers["ETag"] == etag
    assert response.headers["Vary"] == "Accept-Encoding"


def test_a_client_holding_an_old_copy_gets_the_cached_body_with_no_query(feed, django_assert_num_queries):
    first = Client().get(feed)

    with django_assert_num_queries(0):
        response = Client().get(feed, HTTP_IF_NONE_MATCH='"an-older-version"')

    assert response.status_code == 200
    assert response.content == first.content


def test_a_body_held_in_process_is_never_served_once_the_feed_changed(plan, feed, django_assert_num_queries):
    before = Client().get(feed)
    Client().get(feed)  # now held in this process too

    services.task_mark(task=plan.tasks[0], status="done", now=NOW)
    rebuilt = Client().get(feed)
    with django_assert_num_queries(0):
        again = Client().get(feed)

    assert rebuilt.content != before.content
    assert again.content == rebuilt.content
    assert again.headers["ETag"] == rebuilt.headers["ETag"]


def test_a_body_that_is_not_the_entry_s_is_never_served(learner, feed):
    from django.core.cache import cache

    first = Client().get(feed)
    digest = CalendarFeed.objects.get(user=learner).token_digest
    cache.set(calendar_services.feed_body_key(digest), ('"another-etag"', gzip.compress(b"not this feed")))

    response = Client().get(feed)

    assert response.content == first.content


def test_an_entry_past_its_trust_period_is_checked_against_the_database_once(
    feed, frozen_clock, django_assert_num_queries
):
    first = Client().get(feed)
    frozen_clock.shift(calendar_services.FEED_ENTRY_TRUST)

    # The token lookup and the check that no write came in between; the body is kept.
    with django_assert_num_queries(2):
        again = Client().get(feed, HTTP_IF_NONE_MATCH=first.headers["ETag"])
    with django_assert_num_queries(0):
        third = Client().get(feed)

    assert again.status_code == 304
    assert third.content == first.content


def test_a_learner_deactivated_around_the_services_loses_the_feed_after_the_trust_period(learner, feed, frozen_clock):
    assert Client().get(feed).status_code == 200
    learner.is_active = False
    learner.save()  # not through any service: nothing drops the cached entry
    frozen_clock.shift(calendar_services.FEED_ENTRY_TRUST)

    assert Client().get(feed).status_code == 404


def test_a_learner_deactivated_in_the_admin_loses_the_feed_at_once(learner, feed):
    assert Client().get(feed).status_code == 200
    admin = Client()
    admin.force_login(UserFactory(is_staff=True, is_superuser=True))
    page = admin.get(f"/admin/accounts/user/{learner.pk}/change/")
    data = form_data(page.context["adminform"].form)
    for inline in page.context["inline_admin_formsets"]:
        data |= form_data(inline.formset.management_form)
        for form in inline.formset.forms:
            data |= form_data(form)
    data.pop("is_active")  # an unticked box is not sent

    saved = admin.post(f"/admin/accounts/user/{learner.pk}/change/", data)

    assert saved.status_code == 302
    learner.refresh_from_db()
    assert not learner.is_active
    assert Client().get(feed).status_code == 404


def form_data(form) -> dict:
    """What a browser would post back for an unchanged form."""
    data = {}
    for bound in form:
        value = bound.value()
        if value is None:
            continue
        widget = bound.field.widget
        if hasattr(widget, "decompress"):  # a split date and time
            for index, part in enumerate(widget.decompress(value)):
                data[f"{bound.html_name}_{index}"] = "" if part is None else str(part)
        elif isinstance(value, list | tuple):
            data[bound.html_name] = [str(item.pk if hasattr(item, "pk") else item) for item in value]
        elif isinstance(value, bool):
            if value:
                data[bound.html_name] = "on"
        else:
            data[bound.html_name] = str(value)
    return data


def test_rotating_or_revoking_kills_a_cached_url_even_for_a_matching_etag(learner, feed):
    etag = Client().get(feed).headers["ETag"]
    calendar_services.feed_rotate(user=learner)

    assert Client().get(feed, HTTP_IF_NONE_MATCH=etag).status_code == 404
    rotated = feed_of(learner)
    etag = Client().get(rotated).headers["ETag"]
    calendar_services.feed_revoke(user=learner)

    assert Client().get(rotated, HTTP_IF_NONE_MATCH=etag).status_code == 404
    assert Client().get(rotated).status_code == 404


def test_a_profile_change_drops_the_cached_entry(learner, feed):
    from accounts import services as account_services

    before = Client().get(feed)

    account_services.profile_update(profile=learner.profile, timezone="Asia/Tokyo")
    after = Client().get(feed, HTTP_IF_NONE_MATCH=before.headers["ETag"])

    assert after.status_code == 200
    assert "X-WR-TIMEZONE:Asia/Tokyo" in after.content.decode()


def test_an_entry_built_while_a_write_raised_the_generation_is_dropped(learner, feed):
    from django.core.cache import cache

    from roadmaps.calendar import selectors as calendar_selectors

    token = feed.removeprefix("/calendar/").removesuffix(".ics")
    stale = calendar_selectors.feed_by_token(token)  # read before the write
    calendar_services.feed_touch(user_id=learner.id)

    calendar_services.feed_rebuild(feed=stale, now=NOW, epoch=calendar_services.feed_catalog_epoch())

    assert cache.get(calendar_services.feed_entry_key(stale.token_digest)) is None
    assert CalendarFeed.objects.get(user=learner).etag == ""  # nor were its validators stored


def test_a_change_invalidates_exactly_its_learner_s_body(learner, plan, feed, django_assert_num_queries):
    other = UserFactory()
    roadmap_with_tasks(other, tasks=4, role_slug="data-scientist")
    other_feed = feed_of(other)
    before, other_before = Client().get(feed), Client().get(other_feed)

    services.task_mark(task=plan.tasks[0], status="done", now=NOW)

    # Rebuilt: token, roadmaps, tasks, skills, study sessions (roadmaps with profiles,
    # their tasks), revisions, raised revisions, validators.
    with django_assert_num_queries(9):
        after = Client().get(feed)
    with django_assert_num_queries(0):
        other_after = Client().get(other_feed)
    assert after.headers["ETag"] != before.headers["ETag"]
    assert other_after.content == other_before.content


def test_without_the_cache_a_304_costs_the_token_lookup_alone(feed, django_assert_num_queries, settings):
    etag = Client().get(feed).headers["ETag"]
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}

    with django_assert_num_queries(1):
        response = Client().get(feed, HTTP_IF_NONE_MATCH=etag)

    assert response.status_code == 304


def test_a_304_carries_no_content_length(feed):
    etag = Client().get(feed).headers["ETag"]

    response = Client().get(feed, HTTP_IF_NONE_MATCH=etag)

    assert response.status_code == 304
    assert "Content-Length" not in response.headers


def test_a_replan_that_moves_nothing_keeps_etag_and_last_modified(learner, learner_client, frozen_clock):
    from tests.factories import RoleFactory, SkillFactory, make_track

    role = RoleFactory(slug="data-scientist", name="Data Scientist")
    make_track(slug="sprint", milestones_per_phase=(2, 2), hours=6, skills=[SkillFactory()]).roles.add(role)
    created = learner_client.post(
        "/api/roadmaps/",
        {"role": "data-scientist", "track": "sprint", "start_date": NOW.date().isoformat(), "weekly_hours": 10},
        format="json",
    )
    assert created.status_code == 201, created.json()
    roadmap = Roadmap.objects.get(pk=created.json()["id"])
    services.roadmap_replan(roadmap=roadmap, from_date=START, now=NOW)
    feed = feed_of(learner)
    before = Client().get(feed)
    generation = CalendarFeed.objects.get(user=learner).generation
    frozen_clock.shift(timedelta(hours=1))

    result = services.roadmap_replan(roadmap=roadmap, from_date=START, now=NOW + timedelta(hours=1))
    after = Client().get(feed, HTTP_IF_NONE_MATCH=before.headers["ETag"])

    assert result.moved_task_ids == ()
    # A re-plan that changes no date writes nothing (API v1.1), so the feed is not even rebuilt.
    assert CalendarFeed.objects.get(user=learner).generation == generation
    assert after.status_code == 304
    assert after.headers["ETag"] == before.headers["ETag"]
    assert after.headers["Last-Modified"] == before.headers["Last-Modified"]


def test_a_rebuild_after_a_cache_flush_keeps_the_validators(feed, frozen_clock):
    from django.core.cache import cache

    before = Client().get(feed)
    cache.clear()
    frozen_clock.shift(timedelta(hours=3))

    after = Client().get(feed)

    assert after.content == before.content
    assert after.headers["ETag"] == before.headers["ETag"]
    assert after.headers["Last-Modified"] == before.headers["Last-Modified"]


def test_the_feed_is_served_from_the_database_while_the_cache_is_down(feed, settings):
    before = Client().get(feed)
    # Nothing listens on port 9: every cache call fails at once.
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://127.0.0.1:9/3"}
    }

    full = Client().get(feed)
    conditional = Client().get(feed, HTTP_IF_NONE_MATCH=before.headers["ETag"])

    assert full.status_code == 200
    assert full.content == before.content
    assert full.headers["ETag"] == before.headers["ETag"]
    assert conditional.status_code == 304


def test_a_tick_while_the_cache_is_down_still_reaches_the_feed(plan, feed, settings):
    before = Client().get(feed)
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://127.0.0.1:9/3"}
    }

    services.task_mark(task=plan.tasks[0], status="done", now=NOW)
    after = Client().get(feed, HTTP_IF_NONE_MATCH=before.headers["ETag"])

    assert after.status_code == 200
    (ticked,) = sessions_of(icalendar_events(after.content), plan.tasks[0])
    assert str(ticked["SUMMARY"]).startswith("✓ ")


# --- Compression ------------------------------------------------------------------------


def test_a_client_accepting_gzip_gets_the_same_calendar_gzipped(feed):
    plain = Client().get(feed)

    compressed = Client().get(feed, HTTP_ACCEPT_ENCODING="gzip, deflate, br")

    assert compressed.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(compressed.content) == plain.content
    assert len(compressed.content) < len(plain.content)
    assert "Accept-Encoding" in compressed.headers["Vary"]
    assert "Accept-Encoding" in plain.headers["Vary"]
    assert "Content-Encoding" not in plain.headers
    # Two encodings, two representations: their strong ETags differ.
    assert compressed.headers["ETag"] != plain.headers["ETag"]


def test_either_encoding_s_etag_gets_a_304(feed):
    compressed_etag = Client().get(feed, HTTP_ACCEPT_ENCODING="gzip").headers["ETag"]
    plain_etag = Client().get(feed).headers["ETag"]

    assert Client().get(feed, HTTP_IF_NONE_MATCH=compressed_etag).status_code == 304
    response = Client().get(feed, HTTP_IF_NONE_MATCH=plain_etag, HTTP_ACCEPT_ENCODING="gzip")
    assert response.status_code == 304
    assert response.headers["ETag"] == compressed_etag


def test_a_weak_comparison_of_if_none_match_matches(feed):
    etag = Client().get(feed).headers["ETag"]

    assert Client().get(feed, HTTP_IF_NONE_MATCH=f'"other", W/{etag}').status_code == 304


# --- The window -------------------------------------------------------------------------


def test_the_feed_holds_sessions_from_eight_weeks_back_to_twenty_six_weeks_ahead(learner):
    plan = roadmap_with_tasks(learner, tasks=4, per_milestone=4)
    # The window runs from the Monday 8 weeks before this week's to the Sunday 26 weeks after it.
    # Each task's 90 minutes are one session on its start day (a weekday, 120 minutes a day).
    monday = NOW.date() - timedelta(days=NOW.date().weekday())
    too_old, oldest, newest, too_late = plan.tasks
    for task, start in [
        (too_old, monday - timedelta(weeks=8, days=3)),  # the Friday before the window
        (oldest, monday - timedelta(weeks=8)),  # the window's first day
        (newest, monday + timedelta(weeks=26, days=4)),  # its last study day (a Friday)
        (too_late, monday + timedelta(weeks=27)),  # the Monday after it
    ]:
        task.start_date, task.due_date = start, start
        task.save()

    events = icalendar_events(Client().get(feed_of(learner)).content)

    assert [e["DTSTART"].dt.date() for e in sessions_of(events, oldest)] == [oldest.start_date]
    assert [e["DTSTART"].dt.date() for e in sessions_of(events, newest)] == [newest.start_date]
    assert sessions_of(events, too_old) == []
    assert sessions_of(events, too_late) == []
    # Later work still shows, as its milestone's marker (one all-day event).
    marker = events[f"milestone-{task_uid(too_old)}"]
    assert marker["DTSTART"].dt == too_late.due_date
    assert str(marker["SUMMARY"]) == "Milestone due: Milestone 1"


def test_the_window_moves_on_the_next_monday(learner, plan, feed, frozen_clock):
    before = Client().get(feed)

    frozen_clock.move_to(datetime(2026, 11, 29, 22, 0, tzinfo=UTC))  # still Sunday
    sunday = Client().get(feed, HTTP_IF_NONE_MATCH=before.headers["ETag"])
    frozen_clock.move_to(datetime(2026, 11, 30, 12, 0, tzinfo=UTC))
    monday = Client().get(feed, HTTP_IF_NONE_MATCH=before.headers["ETag"])

    assert sunday.status_code == 304
    # The window moved, the rebuild found the same bytes: still not modified.
    assert monday.status_code == 304
    assert monday.headers["Last-Modified"] == before.headers["Last-Modified"]
