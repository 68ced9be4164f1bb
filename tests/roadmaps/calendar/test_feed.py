"""The subscribable calendar feed: its URL's lifecycle, its content and its HTTP caching."""

from __future__ import annotations

import base64
from datetime import UTC, date, datetime, time, timedelta
from email.utils import format_datetime

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from accounts import services as account_services
from roadmaps.calendar import api as calendar_api
from roadmaps.calendar import services as calendar_services
from roadmaps.models import CalendarFeed, Roadmap, Skill
from roadmaps.plans import services
from roadmaps.plans.sessions import study_sessions
from tests.factories import UserFactory
from tests.roadmaps.calendar.data import (
    START,
    icalendar_events,
    parse,
    path_of,
    roadmap_with_tasks,
    session_minutes,
    sessions_of,
    task_uid,
    vobject_events,
)

pytestmark = pytest.mark.django_db


def feed_path(client) -> str:
    response = client.get("/api/calendar/")
    assert response.status_code == 200
    return path_of(response.json()["feed_url"])


@pytest.fixture
def plan(learner):
    return roadmap_with_tasks(learner, tasks=6)


@pytest.fixture
def feed(learner_client, plan) -> str:
    return feed_path(learner_client)


# --- The feed's address ---------------------------------------------------------------


def test_the_feed_url_carries_a_256_bit_token_in_https_and_webcal_forms(learner_client, settings):
    settings.SITE_URL = "https://planner.example.org"

    body = learner_client.get("/api/calendar/").json()

    assert body["feed_url"].startswith("https://planner.example.org/calendar/")
    assert body["feed_url"].endswith(".ics")
    assert body["webcal_url"] == body["feed_url"].replace("https://", "webcal://", 1)
    token = path_of(body["feed_url"]).removeprefix("/calendar/").removesuffix(".ics")
    assert len(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))) >= 32


def test_the_feed_url_stays_the_same_until_rotated(learner_client):
    assert feed_path(learner_client) == feed_path(learner_client)


def test_the_feed_token_is_stored_as_a_digest_for_lookup(learner, learner_client):
    token = feed_path(learner_client).removeprefix("/calendar/").removesuffix(".ics")
    stored = CalendarFeed.objects.get(user=learner)

    assert stored.token_digest != token
    assert len(stored.token_digest) == 64


def test_rotating_kills_the_old_url_at_once(learner_client, feed):
    assert Client().get(feed).status_code == 200

    rotated = learner_client.post("/api/calendar/rotate/")

    assert rotated.status_code == 200
    new_feed = path_of(rotated.json()["feed_url"])
    assert new_feed != feed
    assert Client().get(feed).status_code == 404
    assert Client().get(new_feed).status_code == 200
    assert feed_path(learner_client) == new_feed


def test_revoking_kills_the_url_and_a_later_request_makes_a_new_one(learner_client, feed):
    assert learner_client.delete("/api/calendar/").status_code == 204

    assert Client().get(feed).status_code == 404
    assert feed_path(learner_client) != feed


def test_revoking_twice_is_harmless(learner_client, feed):
    assert learner_client.delete("/api/calendar/").status_code == 204
    assert learner_client.delete("/api/calendar/").status_code == 204


def test_an_unknown_token_gets_the_same_bare_404_as_a_revoked_one(learner_client, feed):
    learner_client.delete("/api/calendar/")
    revoked = Client().get(feed)
    unknown = Client().get("/calendar/" + "A" * 43 + ".ics")

    assert unknown.status_code == revoked.status_code == 404
    assert unknown.content == revoked.content == b"Not found.\n"
    assert "ETag" not in unknown.headers
    assert unknown.headers["Referrer-Policy"] == "no-referrer"


def test_a_token_differing_in_one_character_is_refused(feed):
    token = feed.removeprefix("/calendar/").removesuffix(".ics")
    altered = token[:-1] + ("A" if token[-1] != "A" else "B")

    assert Client().get(f"/calendar/{altered}.ics").status_code == 404


def test_a_deactivated_learner_s_feed_answers_404(learner, feed):
    learner.is_active = False
    learner.save()

    assert Client().get(feed).status_code == 404


def test_managing_the_feed_needs_a_login(api_client):
    assert api_client.get("/api/calendar/").status_code == 401
    assert api_client.post("/api/calendar/rotate/").status_code == 401
    assert api_client.delete("/api/calendar/").status_code == 401


# --- HTTP ------------------------------------------------------------------------------


def test_the_feed_is_private_text_calendar_with_validators(feed, settings):
    response = Client().get(feed)

    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert response.headers["ETag"].startswith('"')  # strong: no W/ prefix
    assert response.headers["Last-Modified"].endswith("GMT")
    assert response.headers["Cache-Control"] == f"private, max-age={settings.FEED_REFRESH_MINUTES * 60}"
    assert response.headers["Referrer-Policy"] == "no-referrer"


def test_the_feed_sets_no_cookie_even_for_a_logged_in_browser(learner, feed):
    browser = Client()
    browser.force_login(learner)
    browser.get("/api/calendar/")  # a session and CSRF cookie already exist

    response = browser.get(feed)

    assert response.status_code == 200
    assert "Set-Cookie" not in response.headers
    assert not response.cookies
    assert "Cookie" not in response.headers.get("Vary", "")


def test_calendar_apps_asking_for_text_calendar_get_it(feed):
    response = Client().get(feed, HTTP_ACCEPT="text/calendar")

    assert response.status_code == 200


def test_the_same_data_gives_the_same_bytes_and_etag(feed):
    first, second = Client().get(feed), Client().get(feed)

    assert first.content == second.content
    assert first.headers["ETag"] == second.headers["ETag"]
    assert first.headers["Last-Modified"] == second.headers["Last-Modified"]


def test_a_matching_if_none_match_gets_304_from_the_cache_with_no_query(feed, django_assert_num_queries):
    etag = Client().get(feed).headers["ETag"]

    # The cached entry alone: not even the token is looked up in the database.
    with django_assert_num_queries(0):
        response = Client().get(feed, HTTP_IF_NONE_MATCH=etag)

    assert response.status_code == 304
    assert response.content == b""
    assert response.headers["ETag"] == etag
    assert response.headers["Referrer-Policy"] == "no-referrer"


def test_a_matching_if_modified_since_gets_304_from_the_cache_with_no_query(feed, django_assert_num_queries):
    last_modified = Client().get(feed).headers["Last-Modified"]

    with django_assert_num_queries(0):
        response = Client().get(feed, HTTP_IF_MODIFIED_SINCE=last_modified)

    assert response.status_code == 304


def test_a_stale_etag_gets_the_full_feed(feed):
    response = Client().get(feed, HTTP_IF_NONE_MATCH='"something-else"')

    assert response.status_code == 200
    assert len(icalendar_events(response.content)) > 0


def test_ticking_a_task_off_changes_etag_and_last_modified(plan, feed):
    before = Client().get(feed)

    services.task_mark(task=plan.tasks[0], status="done", now=timezone.now())
    after = Client().get(feed, HTTP_IF_NONE_MATCH=before.headers["ETag"])

    assert after.status_code == 200
    assert after.headers["ETag"] != before.headers["ETag"]
    assert after.headers["Last-Modified"] != before.headers["Last-Modified"]
    stale = Client().get(feed, HTTP_IF_MODIFIED_SINCE=before.headers["Last-Modified"])
    assert stale.status_code == 200


def test_deleting_a_roadmap_makes_older_copies_stale(learner, plan, feed):
    other = roadmap_with_tasks(learner, tasks=2, role_slug="data-scientist")
    before = Client().get(feed)

    services.roadmap_delete(roadmap=other.roadmap)

    # No row is left to carry a newer time; the feed must still not say "not modified".
    assert Client().get(feed, HTTP_IF_NONE_MATCH=before.headers["ETag"]).status_code == 200
    assert Client().get(feed, HTTP_IF_MODIFIED_SINCE=before.headers["Last-Modified"]).status_code == 200


def test_changing_the_time_zone_changes_the_etag(learner, feed):
    before = Client().get(feed).headers["ETag"]

    account_services.profile_update(profile=learner.profile, timezone="Europe/Paris")
    after = Client().get(feed, HTTP_IF_NONE_MATCH=before)

    assert after.status_code == 200
    assert parse(after.content)["X-WR-TIMEZONE"] == "Europe/Paris"


def test_an_if_modified_since_before_the_last_change_gets_the_feed(feed):
    long_ago = format_datetime(datetime(2020, 1, 1, tzinfo=UTC), usegmt=True)

    assert Client().get(feed, HTTP_IF_MODIFIED_SINCE=long_ago).status_code == 200


def test_only_get_and_head_are_allowed_on_the_feed(feed):
    assert Client().head(feed).status_code == 200
    assert Client().post(feed).status_code == 405
    assert Client().options(feed).status_code == 405


@pytest.mark.parametrize("task_count", [1, 50])
def test_the_first_build_takes_nine_queries_whatever_the_number_of_tasks(
    learner, learner_client, task_count, django_assert_num_queries
):
    plan = roadmap_with_tasks(learner, tasks=task_count)
    feed = feed_path(learner_client)

    # token lookup, roadmaps with roles, tasks, skills, the study sessions' two
    # (roadmaps with profiles, their tasks), stored revisions, new revisions
    # (one bulk insert), the feed's validators
    with django_assert_num_queries(9):
        response = Client().get(feed)

    events = icalendar_events(response.content)
    # 50 tasks starting a day apart overflow 120 minutes a day: some spread over several sessions.
    sessions = study_sessions([plan.roadmap.id], date.min, date.max)
    assert len(events) == len(sessions) + plan.milestone_count + plan.phase_count
    assert all(sessions_of(events, task) for task in plan.tasks)


def test_the_feed_takes_the_same_queries_for_one_or_many_roadmaps(learner, learner_client, django_assert_num_queries):
    roadmap_with_tasks(learner, tasks=2)
    feed = feed_path(learner_client)
    with django_assert_num_queries(9):
        Client().get(feed)

    for slug in ("data-scientist", "mlops-engineer", "ai-product-manager"):
        roadmap_with_tasks(learner, tasks=3, role_slug=slug)
    calendar_services.feed_touch(user_id=learner.id)  # what every plan service does
    with django_assert_num_queries(9):
        response = Client().get(feed)

    # 2 tasks and their 2 markers, then 3 roadmaps of 3 tasks and 3 markers each
    assert len(icalendar_events(response.content)) == 4 + 3 * 6


def test_the_feed_is_throttled_per_token(feed, monkeypatch):
    monkeypatch.setattr(calendar_api.FeedTokenThrottle, "rate", "2/minute", raising=False)

    statuses = [Client().get(feed).status_code for _ in range(3)]

    assert statuses == [200, 200, 429]


# --- Content ---------------------------------------------------------------------------


def test_the_calendar_has_the_properties_clients_need(learner, feed):
    learner.profile.timezone = "America/New_York"
    learner.profile.save()
    calendar = parse(Client().get(feed).content)

    assert calendar["VERSION"] == "2.0"
    assert "Roadmap Planner" in str(calendar["PRODID"])
    # A published feed, not an iTIP message: no METHOD, so no ORGANIZER is needed.
    assert "METHOD" not in calendar
    assert calendar["CALSCALE"] == "GREGORIAN"
    assert calendar["X-WR-CALNAME"] == "Roadmap: Ml Engineer"
    assert calendar["X-WR-TIMEZONE"] == "America/New_York"
    assert calendar["REFRESH-INTERVAL"].to_ical() == b"PT1H"
    assert calendar["REFRESH-INTERVAL"].params["VALUE"] == "DURATION"
    assert calendar["X-PUBLISHED-TTL"] == "PT1H"


def test_lines_end_with_crlf_and_are_folded_at_75_octets(learner, learner_client):
    plan = roadmap_with_tasks(learner, tasks=2)
    plan.tasks[0].note = "A long note about the reading list " * 6
    plan.tasks[0].save()

    body = Client().get(feed_path(learner_client)).content

    lines = body.split(b"\r\n")
    assert lines[-1] == b""
    assert b"\n" not in b"".join(lines)
    assert max(len(line) for line in lines) <= 75
    assert any(line.startswith(b" ") for line in lines)  # the long note was folded


def test_each_task_is_a_timed_study_session_at_the_study_time_on_a_study_day(plan, feed):
    body = Client().get(feed).content
    events, twins = icalendar_events(body), vobject_events(body)

    assert len(events) == len(twins) == plan.event_count
    for task in plan.tasks:
        (event,) = sessions_of(events, task)  # 90 minutes fit its first study day
        twin = twins[str(event["UID"])]
        start = event["DTSTART"].dt
        assert str(event["UID"]) == f"session-{task.uid}-{start:%Y%m%d}"
        assert start == twin.dtstart.value
        assert start.date() >= task.start_date
        assert start.isoweekday() in plan.roadmap.study_days  # task 6 starts on a Saturday: its session is Monday's
        assert start.time() == time(19, 0)  # the default study_time, first session of its day
        # The learner's zone is UTC (no profile change): icalendar writes UTC times with Z, no TZID.
        assert start.utcoffset() == timedelta(0)
        assert b"DTSTART:" + f"{start:%Y%m%dT%H%M%S}Z".encode() in body
        assert event["DTEND"].dt == twin.dtend.value == start + timedelta(minutes=90)
        assert str(event["SUMMARY"]) == twin.summary.value == task.title
        assert int(event["SEQUENCE"]) == int(twin.sequence.value) == 0  # a new event
        assert event["DTSTAMP"].dt.tzinfo is not None
        assert event["LAST-MODIFIED"].dt == task.updated_at.replace(microsecond=0)
    saturday_task = plan.tasks[5]
    assert saturday_task.start_date.isoweekday() == 6
    assert sessions_of(events, saturday_task)[0]["DTSTART"].dt.date() == saturday_task.start_date + timedelta(days=2)


def test_the_description_holds_the_session_s_minutes_milestone_hours_skills_and_a_link(plan, feed):
    task = plan.tasks[0]
    twin = vobject_events(Client().get(feed).content)[f"session-{task.uid}-{task.start_date:%Y%m%d}"]
    description = twin.description.value

    assert description.startswith("Study session: 90 min\n")
    assert f"Milestone: {task.milestone_title}" in description
    assert "Estimated hours: 1.5" in description
    assert "Skills: Python, SQL" in description
    link = f"http://localhost:8000/roadmaps/{plan.roadmap.id}/#task-{task.id}"
    assert link in description
    assert twin.url.value == link


def test_a_curator_renaming_a_skill_in_the_admin_reaches_the_feed_with_a_new_etag(plan, feed):
    before = Client().get(feed)
    curator = Client()
    curator.force_login(UserFactory(is_staff=True, is_superuser=True))
    skill = Skill.objects.get(slug="sql")

    saved = curator.post(
        f"/admin/roadmaps/skill/{skill.pk}/change/",
        {"name": "Structured Query Language", "slug": "sql", "category": skill.category, "description": ""},
    )

    assert saved.status_code == 302
    after = Client().get(feed, HTTP_IF_NONE_MATCH=before["ETag"])
    assert after.status_code == 200
    assert after["ETag"] != before["ETag"]
    task = plan.tasks[0]
    twin = vobject_events(after.content)[f"session-{task.uid}-{task.start_date:%Y%m%d}"]
    assert "Skills: Python, Structured Query Language" in twin.description.value


def test_milestone_due_dates_and_phase_ends_are_events_too(plan, feed):
    events = list(icalendar_events(Client().get(feed).content).values())
    summaries = {str(e["SUMMARY"]): e for e in events}

    # 6 tasks, 2 to a milestone, 2 milestones to a phase.
    first_milestone = summaries["Milestone due: Milestone 1"]
    assert first_milestone["DTSTART"].dt == plan.tasks[1].due_date
    assert first_milestone["DTEND"].dt == plan.tasks[1].due_date + timedelta(days=1)
    assert "Milestone due: Milestone 3" in summaries
    phase_ends = [s for s in summaries if s.startswith("Phase ")]
    assert len(phase_ends) == 2
    last_phase = summaries[phase_ends[-1]]
    assert last_phase["DTSTART"].dt == plan.tasks[-1].due_date


def test_finished_tasks_stay_marked_done(plan, feed):
    done, skipped, todo = plan.tasks[0], plan.tasks[1], plan.tasks[2]
    services.task_mark(task=done, status="done", now=timezone.now())
    services.task_mark(task=skipped, status="skipped", now=timezone.now())

    body = Client().get(feed).content
    events, twins = icalendar_events(body), vobject_events(body)

    (done_session,) = sessions_of(events, done)
    (skipped_session,) = sessions_of(events, skipped)
    (todo_session,) = sessions_of(events, todo)
    assert str(done_session["SUMMARY"]) == f"✓ {done.title}"
    assert twins[str(done_session["UID"])].summary.value == f"✓ {done.title}"
    assert str(skipped_session["SUMMARY"]) == f"⊘ {skipped.title}"
    assert "Done" in done_session.categories
    assert "Skipped" in skipped_session.categories
    assert str(todo_session["SUMMARY"]) == todo.title
    # Both tasks of milestone 1 are finished: its marker is ticked as well.
    assert "✓ Milestone due: Milestone 1" in {str(e["SUMMARY"]) for e in events.values()}


def test_the_feed_holds_all_the_learner_s_roadmaps_and_nobody_else_s(learner, learner_client):
    mine = [
        roadmap_with_tasks(learner, tasks=2),
        roadmap_with_tasks(learner, tasks=3, role_slug="data-scientist"),
    ]
    theirs = roadmap_with_tasks(UserFactory(), tasks=4, role_slug="data-engineer")

    body = Client().get(feed_path(learner_client)).content
    calendar, events = parse(body), icalendar_events(body)

    assert len(events) == sum(plan.event_count for plan in mine)
    assert not [task for task in theirs.tasks if sessions_of(events, task)]
    assert not [
        uid
        for uid in events
        if uid.startswith(("milestone-", "phase-")) and uid.endswith(tuple(task_uid(task) for task in theirs.tasks))
    ]
    assert calendar["X-WR-CALNAME"] == "Roadmap: Ml Engineer, Data Scientist"


def test_a_deleted_roadmap_disappears_from_the_feed(learner, learner_client):
    kept = roadmap_with_tasks(learner, tasks=2)
    deleted = roadmap_with_tasks(learner, tasks=2, role_slug="data-scientist")
    feed = feed_path(learner_client)

    services.roadmap_delete(roadmap=deleted.roadmap)
    events = icalendar_events(Client().get(feed).content)

    assert all(sessions_of(events, task) for task in kept.tasks)
    assert not [task for task in deleted.tasks if sessions_of(events, task)]


def test_an_archived_roadmap_leaves_the_feed(learner, learner_client):
    archived = roadmap_with_tasks(learner, tasks=2, status=Roadmap.Status.ARCHIVED)

    events = icalendar_events(Client().get(feed_path(learner_client)).content)

    assert not [task for task in archived.tasks if sessions_of(events, task)]


def test_uids_carry_no_host_and_survive_a_change_of_site_url(learner, learner_client, settings):
    settings.SITE_URL = "https://planner.example.org"
    plan = roadmap_with_tasks(learner, tasks=1)
    feed = feed_path(learner_client)
    before = icalendar_events(Client().get(feed).content)

    settings.SITE_URL = "https://calendar.example.net"
    after = icalendar_events(Client().get(feed).content)

    assert f"session-{plan.tasks[0].uid}-{plan.tasks[0].start_date:%Y%m%d}" in before
    assert set(before) == set(after)
    assert not any("@" in uid or "example" in uid for uid in after)


def test_an_empty_feed_is_still_a_valid_calendar(learner_client):
    body = Client().get(feed_path(learner_client)).content

    assert parse(body)["X-WR-CALNAME"] == "Roadmap"
    assert vobject_events(body) == {}


# --- Re-planning -----------------------------------------------------------------------


def test_replanning_moves_sessions_and_markers_with_the_sequence_of_markers_raised(learner, learner_client):
    from tests.factories import RoleFactory, SkillFactory, make_track

    skill = SkillFactory(slug="python")
    role = RoleFactory(slug="data-scientist", name="Data Scientist")
    make_track(slug="sprint", milestones_per_phase=(2, 2), hours=6, skills=[skill]).roles.add(role)
    # Made on its start day: a start date may lie at most a week back.
    with time_machine.travel(datetime.combine(START, time(12), tzinfo=UTC), tick=False):
        created = learner_client.post(
            "/api/roadmaps/",
            {
                "role": "data-scientist",
                "track": "sprint",
                "start_date": START.isoformat(),
                "weekly_hours": 10,
            },
            format="json",
        )
    assert created.status_code == 201, created.json()
    roadmap = Roadmap.objects.get(pk=created.json()["id"])
    feed = feed_path(learner_client)
    before = Client().get(feed)

    from_date = START + timedelta(weeks=3)
    result = services.roadmap_replan(roadmap=roadmap, from_date=from_date, now=timezone.now())
    after = Client().get(feed, HTTP_IF_NONE_MATCH=before.headers["ETag"])

    assert result.moved_task_ids
    assert after.status_code == 200
    old, new = vobject_events(before.content), vobject_events(after.content)
    assert icalendar_events(after.content).keys() == new.keys()
    markers = {uid for uid in old if uid.startswith(("milestone-", "phase-"))}
    assert markers == {uid for uid in new if uid.startswith(("milestone-", "phase-"))}  # clients update them
    assert all(int(new[uid].sequence.value) > int(old[uid].sequence.value) for uid in markers)
    parsed = icalendar_events(after.content)
    for task in roadmap.tasks.filter(id__in=result.moved_task_ids):
        sessions = sessions_of(parsed, task)
        # A session on another day is another event: the old day's one leaves the calendar.
        assert sessions and all(event["DTSTART"].dt.date() >= from_date for event in sessions)
        assert sum(session_minutes(event) for event in sessions) == task.estimated_minutes
    # A session kept on its day keeps its UID; any that moved in time has a higher SEQUENCE.
    for uid in set(old) & set(new) - markers:
        if (old[uid].dtstart.value, old[uid].dtend.value) != (new[uid].dtstart.value, new[uid].dtend.value):
            assert int(new[uid].sequence.value) > int(old[uid].sequence.value)


def test_a_marker_is_ticked_only_once_every_task_of_its_group_is_finished(plan, feed):
    # Milestone 1 holds tasks 1 and 2; phase 1 holds milestones 1 and 2 (tasks 1 to 4).
    services.task_mark(task=plan.tasks[0], status="done", now=timezone.now())

    summaries = {str(e["SUMMARY"]) for e in icalendar_events(Client().get(feed).content).values()}

    assert "Milestone due: Milestone 1" in summaries
    assert "✓ Milestone due: Milestone 1" not in summaries
    assert not [s for s in summaries if s.startswith("✓ Phase")]


def marker_sequences(body: bytes) -> dict[str, int]:
    return {
        uid: int(event["SEQUENCE"])
        for uid, event in icalendar_events(body).items()
        if uid.startswith(("milestone-", "phase-"))
    }


def test_replanning_raises_the_sequence_of_every_milestone_and_phase_marker_whose_tasks_moved(plan, feed):
    before = marker_sequences(Client().get(feed).content)

    result = services.roadmap_replan(roadmap=plan.roadmap, from_date=START + timedelta(weeks=2), now=timezone.now())
    after = marker_sequences(Client().get(feed).content)

    assert set(result.moved_task_ids) == {task.id for task in plan.tasks}
    assert len(before) == plan.milestone_count + plan.phase_count
    assert before.keys() == after.keys()
    assert {uid: after[uid] > before[uid] for uid in before} == dict.fromkeys(before, True)
