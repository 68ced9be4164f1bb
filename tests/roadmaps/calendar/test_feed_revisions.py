"""What clients rely on to update events in place: stable UIDs, SEQUENCE, DTSTAMP and the marks."""

from __future__ import annotations

import importlib
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.apps import apps
from django.test import Client

from roadmaps.calendar import services as calendar_services
from roadmaps.models import Skill, Task
from roadmaps.plans import services
from tests.roadmaps.calendar.data import icalendar_events, path_of, roadmap_with_tasks, sessions_of, task_uid

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
LATER = NOW + timedelta(hours=2)


@pytest.fixture(autouse=True)
def frozen_clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def plan(learner):
    # 6 tasks, 2 to a milestone, 2 milestones to a phase.
    return roadmap_with_tasks(learner, tasks=6)


@pytest.fixture
def feed(learner, plan) -> str:
    feed = calendar_services.feed_get_or_create(user=learner)
    return path_of(calendar_services.feed_urls(feed)["feed_url"])


def events_of(feed: str) -> dict:
    return icalendar_events(Client().get(feed).content)


def session(events: dict, task):
    """The task's one study session (90 minutes fit its first study day)."""
    (event,) = sessions_of(events, task)
    return event


def milestone_uid(plan, index: int) -> str:
    return f"milestone-{task_uid(plan.tasks[2 * index])}"


def test_ticking_a_task_raises_its_sequence_and_dtstamp_and_nothing_else_s(plan, feed, frozen_clock):
    before = events_of(feed)
    frozen_clock.move_to(LATER)

    services.task_mark(task=plan.tasks[0], status="done", now=LATER)
    after = events_of(feed)

    ticked_before, ticked = session(before, plan.tasks[0]), session(after, plan.tasks[0])
    assert ticked["UID"] == ticked_before["UID"]
    assert int(ticked["SEQUENCE"]) == int(ticked_before["SEQUENCE"]) + 1
    assert ticked["DTSTAMP"].dt == ticked["LAST-MODIFIED"].dt == LATER
    untouched_before, untouched = session(before, plan.tasks[4]), session(after, plan.tasks[4])
    assert untouched["SEQUENCE"] == untouched_before["SEQUENCE"]
    assert untouched["DTSTAMP"].dt == untouched_before["DTSTAMP"].dt


def test_a_milestone_marker_s_sequence_rises_with_each_tick_of_its_tasks(plan, feed):
    marker = milestone_uid(plan, 0)
    sequences = [int(events_of(feed)[marker]["SEQUENCE"])]

    for task in plan.tasks[:2]:
        services.task_mark(task=task, status="done", now=NOW)
        sequences.append(int(events_of(feed)[marker]["SEQUENCE"]))

    assert sequences[0] < sequences[1] < sequences[2]


def test_a_marker_gets_its_check_mark_only_when_all_its_tasks_are_finished(plan, feed):
    services.task_mark(task=plan.tasks[0], status="done", now=NOW)
    half = events_of(feed)
    services.task_mark(task=plan.tasks[1], status="skipped", now=NOW)
    whole = events_of(feed)

    assert str(half[milestone_uid(plan, 0)]["SUMMARY"]) == "Milestone due: Milestone 1"
    assert str(whole[milestone_uid(plan, 0)]["SUMMARY"]) == "✓ Milestone due: Milestone 1"
    phase = f"phase-{task_uid(plan.tasks[0])}"
    assert not str(whole[phase]["SUMMARY"]).startswith("✓")  # milestone 2 is still open


def test_done_and_skipped_tasks_carry_different_marks(plan, feed):
    done, skipped = plan.tasks[0], plan.tasks[1]
    services.task_mark(task=done, status="done", now=NOW)
    services.task_mark(task=skipped, status="skipped", now=NOW)

    events = events_of(feed)

    assert str(session(events, done)["SUMMARY"]) == f"✓ {done.title}"
    assert str(session(events, skipped)["SUMMARY"]) == f"⊘ {skipped.title}"


def test_a_milestone_whose_tasks_were_all_skipped_carries_the_skipped_mark(plan, feed):
    for task in plan.tasks[:2]:
        services.task_mark(task=task, status="skipped", now=NOW)

    assert str(events_of(feed)[milestone_uid(plan, 0)]["SUMMARY"]) == "⊘ Milestone skipped: Milestone 1"


def test_reopening_a_task_raises_the_sequence_again(plan, feed):
    task = plan.tasks[0]
    services.task_mark(task=task, status="done", now=NOW)
    done = session(events_of(feed), task)

    services.task_mark(task=task, status="todo", now=NOW)
    reopened = session(events_of(feed), task)

    assert int(reopened["SEQUENCE"]) == int(done["SEQUENCE"]) + 1
    assert str(reopened["SUMMARY"]) == task.title


def test_a_curator_renaming_a_skill_raises_the_sequence_of_the_events_that_show_it(plan, feed):
    before = events_of(feed)

    skill = Skill.objects.get(slug="sql")
    skill.name = "Structured Query Language"
    skill.save()
    from roadmaps.catalog.services import catalog_changed

    catalog_changed()
    after = events_of(feed)

    uid = str(session(after, plan.tasks[0])["UID"])
    assert "Structured Query Language" in str(after[uid]["DESCRIPTION"])
    assert int(after[uid]["SEQUENCE"]) == int(before[uid]["SEQUENCE"]) + 1


def test_a_fetch_that_changes_nothing_keeps_every_sequence_and_dtstamp(plan, feed, frozen_clock):
    from django.core.cache import cache

    first = Client().get(feed).content
    cache.clear()
    calendar_services.feed_touch(user_id=plan.roadmap.user_id)
    frozen_clock.move_to(LATER)

    assert Client().get(feed).content == first


def test_a_marker_s_sequence_published_before_revisions_were_stored_never_goes_down(plan, feed):
    task = plan.tasks[0]
    Task.objects.filter(pk=task.pk).update(calendar_revision=5)  # as a re-plan before this release left it
    calendar_services.feed_touch(user_id=plan.roadmap.user_id)
    first = events_of(feed)  # seen for the first time now: stored at 5

    services.task_mark(task=task, status="done", now=NOW)
    ticked = events_of(feed)

    marker = milestone_uid(plan, 0)
    assert int(first[marker]["SEQUENCE"]) == 5
    assert int(ticked[marker]["SEQUENCE"]) == 6
    # Sessions are events first published now: they start at 0 whatever the task's old revision.
    assert int(session(first, task)["SEQUENCE"]) == 0


def test_the_migration_keeps_the_uids_already_published_with_the_host(learner, settings):
    migration = importlib.import_module("roadmaps.migrations.0004_issue12_calendar_feed_cache")
    settings.SITE_URL = "https://planner.example.org"
    old = roadmap_with_tasks(learner, tasks=2)

    migration.keep_published_uids(apps, None)
    settings.SITE_URL = "https://somewhere-else.example.net"
    new = roadmap_with_tasks(learner, tasks=2, role_slug="data-scientist")
    feed = calendar_services.feed_get_or_create(user=learner)
    events = icalendar_events(Client().get(path_of(calendar_services.feed_urls(feed)["feed_url"])).content)

    first = old.tasks[0]
    # The markers' UIDs were published with the host and keep it; sessions are new events, with none.
    assert f"milestone-{first.uid}@planner.example.org" in events
    assert f"phase-{first.uid}@planner.example.org" in events
    assert f"milestone-{new.tasks[0].uid}" in events
    assert all("@" not in str(session(events, task)["UID"]) for task in old.tasks + new.tasks)
    assert not any(uid.endswith("example.net") for uid in events)
