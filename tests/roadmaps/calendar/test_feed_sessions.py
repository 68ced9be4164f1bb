"""What a learner's calendar shows: study sessions at their hour, on study days, in their zone."""

from __future__ import annotations

from collections import Counter
from datetime import date, time, timedelta

import pytest
from django.test import Client
from django.utils import timezone

from accounts import services as account_services
from roadmaps.plans import services
from tests.roadmaps.calendar.data import (
    START,
    icalendar_events,
    parse,
    path_of,
    roadmap_with_tasks,
    session_minutes,
    sessions_of,
    vobject_events,
)

pytestmark = pytest.mark.django_db


def feed_path(client) -> str:
    return path_of(client.get("/api/calendar/").json()["feed_url"])


def set_profile(learner, **fields) -> None:
    # The one write path of the profile (the API's and the settings page's).
    account_services.profile_update(profile=learner.profile, **fields)


def long_tasks(learner, minutes=300, **fields):
    plan = roadmap_with_tasks(learner, tasks=4, **fields)
    for task in plan.tasks:
        task.estimated_minutes = minutes
        task.save()
    return plan


def test_sessions_start_at_the_study_time_in_the_learner_s_zone_with_a_vtimezone(learner, learner_client):
    set_profile(learner, timezone="Europe/Paris", study_time=time(7, 30))
    plan = roadmap_with_tasks(learner, tasks=4)

    body = Client().get(feed_path(learner_client)).content
    calendar, events, twins = parse(body), icalendar_events(body), vobject_events(body)

    (zone,) = calendar.walk("VTIMEZONE")
    assert str(zone["TZID"]) == "Europe/Paris"
    assert b"DTSTART;TZID=Europe/Paris:20261102T073000" in body
    for task in plan.tasks:
        for event in sessions_of(events, task):
            start = event["DTSTART"].dt
            assert event["DTSTART"].params["TZID"] == event["DTEND"].params["TZID"] == "Europe/Paris"
            assert start.utcoffset() == timedelta(hours=1)  # CET in November
            assert start.time() == time(7, 30)
            assert twins[str(event["UID"])].dtstart.value == start  # vobject reads the same instant


def test_a_day_s_sessions_follow_each_other_across_the_learner_s_roadmaps(learner, learner_client):
    first = roadmap_with_tasks(learner, tasks=1)
    second = roadmap_with_tasks(learner, tasks=1, role_slug="data-scientist")

    events = icalendar_events(Client().get(feed_path(learner_client)).content)

    (one,) = sessions_of(events, first.tasks[0])
    (two,) = sessions_of(events, second.tasks[0])
    assert one["DTSTART"].dt.time() == time(19, 0)
    assert two["DTSTART"].dt == one["DTEND"].dt


def test_sessions_fall_on_study_days_only_never_on_weekends_or_blocked_dates(learner, learner_client):
    blocked = START + timedelta(days=2)  # a Wednesday
    plan = long_tasks(learner, study_days=[1, 2, 3, 4, 5], blocked_dates=[blocked.isoformat()])

    events = icalendar_events(Client().get(feed_path(learner_client)).content)

    days = [event["DTSTART"].dt.date() for task in plan.tasks for event in sessions_of(events, task)]
    assert len(days) > len(plan.tasks)  # 300 minutes take several days of 120
    assert {day.isoweekday() for day in days} <= {1, 2, 3, 4, 5}
    assert blocked not in days


def test_a_task_s_sessions_add_up_to_its_estimate_and_each_says_its_minutes(learner, learner_client):
    plan = long_tasks(learner, minutes=300)

    body = Client().get(feed_path(learner_client)).content
    events, twins = icalendar_events(body), vobject_events(body)

    for task in plan.tasks:
        sessions = sessions_of(events, task)
        assert sum(session_minutes(event) for event in sessions) == 300
        for event in sessions:
            description = twins[str(event["UID"])].description.value
            assert description.startswith(f"Study session: {session_minutes(event)} min\n")
            assert "Estimated hours: 5" in description
    per_day = Counter()
    for event in events.values():
        if str(event["UID"]).startswith("session-"):
            per_day[event["DTSTART"].dt.date()] += session_minutes(event)
    assert max(per_day.values()) <= 120  # 10 hours a week over 5 days


def test_a_replan_that_shortens_a_session_raises_its_sequence_in_place(learner, learner_client):
    plan = roadmap_with_tasks(learner, tasks=6)
    feed = feed_path(learner_client)
    before = icalendar_events(Client().get(feed).content)
    first = plan.tasks[0]
    uid = f"session-{first.uid}-{START:%Y%m%d}"

    services.roadmap_replan(roadmap=plan.roadmap, from_date=START, weekly_hours=5, now=timezone.now())
    after = icalendar_events(Client().get(feed).content)

    # Half the hours: an hour a day, so the first task's Monday session ends half an hour earlier.
    assert session_minutes(before[uid]) == 90
    assert session_minutes(after[uid]) == 60
    assert after[uid]["DTSTART"].dt == before[uid]["DTSTART"].dt
    assert int(after[uid]["SEQUENCE"]) > int(before[uid]["SEQUENCE"])
    for task in plan.tasks:
        assert sum(session_minutes(event) for event in sessions_of(after, task)) == 90


def test_moving_the_study_time_moves_every_session_with_a_higher_sequence_and_a_new_etag(learner, learner_client):
    plan = roadmap_with_tasks(learner, tasks=3)
    feed = feed_path(learner_client)
    before = Client().get(feed)

    set_profile(learner, study_time=time(6, 15))
    after = Client().get(feed, HTTP_IF_NONE_MATCH=before.headers["ETag"])

    assert after.status_code == 200
    old, new = icalendar_events(before.content), icalendar_events(after.content)
    assert old.keys() == new.keys()
    for task in plan.tasks:
        (session,) = sessions_of(new, task)
        assert session["DTSTART"].dt.time() == time(6, 15)
        assert int(session["SEQUENCE"]) == int(old[str(session["UID"])]["SEQUENCE"]) + 1


def test_all_day_events_give_one_event_per_study_day_listing_its_sessions(learner, learner_client):
    set_profile(learner, all_day_events=True)
    plan = long_tasks(learner, minutes=150)

    body = Client().get(feed_path(learner_client)).content
    calendar, events, twins = parse(body), icalendar_events(body), vobject_events(body)

    days = {uid: event for uid, event in events.items() if uid.startswith("day-")}
    assert not [uid for uid in events if uid.startswith("session-")]
    assert not calendar.walk("VTIMEZONE")  # every event is all-day
    # 4 tasks of 150 minutes at 120 a day, Monday to Friday: 600 minutes over 5 study days.
    assert sorted(days) == [f"day-{plan.roadmap.id}-{START + timedelta(days=n):%Y%m%d}" for n in range(5)]
    monday = days[f"day-{plan.roadmap.id}-{START:%Y%m%d}"]
    assert monday["DTSTART"].dt == START
    assert type(monday["DTSTART"].dt) is date
    assert monday["DTEND"].dt == START + timedelta(days=1)
    assert str(monday["SUMMARY"]) == f"Study 120 min: {plan.tasks[0].title}"
    tuesday = twins[f"day-{plan.roadmap.id}-{START + timedelta(days=1):%Y%m%d}"]
    assert tuesday.summary.value == f"Study 120 min: {plan.tasks[0].title}, {plan.tasks[1].title}"
    assert f"- {plan.tasks[0].title}: 30 min" in tuesday.description.value
    assert f"- {plan.tasks[1].title}: 90 min" in tuesday.description.value
    assert len(events) == len(days) + plan.milestone_count + plan.phase_count


def test_turning_all_day_events_on_rebuilds_the_feed_with_a_new_etag(learner, learner_client):
    roadmap_with_tasks(learner, tasks=2)
    feed = feed_path(learner_client)
    before = Client().get(feed)

    set_profile(learner, all_day_events=True)
    after = Client().get(feed, HTTP_IF_NONE_MATCH=before.headers["ETag"])

    assert after.status_code == 200
    assert after.headers["ETag"] != before.headers["ETag"]
    assert [uid for uid in icalendar_events(after.content) if uid.startswith("day-")]


def test_a_finished_day_is_ticked_only_when_all_its_sessions_tasks_are_finished(learner, learner_client):
    set_profile(learner, all_day_events=True)
    plan = long_tasks(learner, minutes=150)
    services.task_mark(task=plan.tasks[0], status="done", now=timezone.now())

    events = icalendar_events(Client().get(feed_path(learner_client)).content)
    summaries = {
        uid.rsplit("-", 1)[1]: str(event["SUMMARY"]) for uid, event in events.items() if uid.startswith("day-")
    }

    # Finished today (after the plan's first days): its sessions stay, Monday holds it alone.
    assert summaries[f"{START:%Y%m%d}"].startswith("✓ Study 120 min")
    assert summaries[f"{START + timedelta(days=1):%Y%m%d}"].startswith("Study 120 min")


def test_a_session_keeps_its_wall_clock_time_across_a_daylight_saving_change(learner, learner_client):
    set_profile(learner, timezone="Europe/Paris", study_time=time(7, 30))
    plan = roadmap_with_tasks(learner, tasks=2)
    # Summer time ends on Sunday 25 October 2026 in Paris.
    for task, day in zip(plan.tasks, [date(2026, 10, 23), date(2026, 10, 26)], strict=True):
        task.start_date = task.due_date = day
        task.save()

    body = Client().get(feed_path(learner_client)).content
    calendar, events = parse(body), icalendar_events(body)

    (friday,) = sessions_of(events, plan.tasks[0])
    (monday,) = sessions_of(events, plan.tasks[1])
    assert friday["DTSTART"].dt.time() == monday["DTSTART"].dt.time() == time(7, 30)
    assert friday["DTSTART"].dt.utcoffset() == timedelta(hours=2)
    assert monday["DTSTART"].dt.utcoffset() == timedelta(hours=1)
    (zone,) = calendar.walk("VTIMEZONE")
    assert {component.name for component in zone.subcomponents} == {"STANDARD", "DAYLIGHT"}
