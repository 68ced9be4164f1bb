"""Completed milestones reach the weekly nudge (last week's) and the dashboard (this week's)."""

from __future__ import annotations

from datetime import date

import pytest

from roadmaps.models import RoadmapMilestone
from tests.roadmaps.nudges import data as nudges_data
from tests.roadmaps.nudges.data import add_task, mails_to, nudge_learner, roadmap_for, utc

pytestmark = pytest.mark.django_db
eager_celery, run_dispatch = nudges_data.eager_celery, nudges_data.run_dispatch

SIGN_UP = utc(2026, 11, 1, 12)
SLOT = utc(2026, 11, 16, 8)  # Monday: "last week" is 9-15 November
D = date


@pytest.fixture(autouse=True)
def signed_up(time_machine, settings):
    time_machine.move_to(SIGN_UP, tick=False)
    settings.SITE_URL = "https://planner.example.org"


def milestone(roadmap, title: str, sequence: int, tasks) -> RoadmapMilestone:
    record = RoadmapMilestone.objects.create(
        roadmap=roadmap,
        slug=title.lower().replace(" ", "-"),
        title=title,
        phase_order=1,
        phase_title="Foundations",
        kind="build",
        sequence=sequence,
    )
    for task in tasks:
        task.roadmap_milestone = record
        task.milestone_title = title
        task.save()
    return record


def learner_with_milestones():
    learner = nudge_learner(now=SIGN_UP, roadmap=False, name="Ada")
    roadmap = roadmap_for(learner, tasks=0)
    a = add_task(roadmap, "A", D(2026, 11, 2), D(2026, 11, 4), done_at=utc(2026, 11, 4, 18))
    b = add_task(roadmap, "B", D(2026, 11, 5), D(2026, 11, 7), done_at=utc(2026, 11, 7, 18))
    c = add_task(roadmap, "C", D(2026, 11, 9), D(2026, 11, 11), done_at=utc(2026, 11, 10, 18))
    d = add_task(roadmap, "D", D(2026, 11, 12), D(2026, 11, 13), done_at=utc(2026, 11, 13, 18))
    e = add_task(roadmap, "E", D(2026, 11, 16), D(2026, 11, 18), done_at=utc(2026, 11, 17, 9))
    f = add_task(roadmap, "F", D(2026, 11, 19), D(2026, 11, 20), done_at=utc(2026, 11, 12, 9))
    g = add_task(roadmap, "G", D(2026, 11, 21), D(2026, 11, 27))
    milestone(roadmap, "Python basics", 1, [a, b])
    milestone(roadmap, "Churn model shipped", 2, [c, d])
    milestone(roadmap, "Half done", 3, [f, g])
    milestone(roadmap, "Dashboard shipped", 4, [e])
    return learner, roadmap


def test_the_nudge_names_the_milestones_completed_last_week_only(run_dispatch):
    learner, _ = learner_with_milestones()

    run_dispatch(SLOT)

    (message,) = mails_to(learner)
    text, html = message.body, message.alternatives[0][0]
    assert "Milestones completed in the last 7 days:\n  * Churn model shipped\n" in text
    assert "<li><strong>Churn model shipped</strong></li>" in html
    for other in ("Python basics", "Half done", "Dashboard shipped"):
        assert f"* {other}" not in text


def test_the_dashboard_shows_milestones_finished_this_week(client, time_machine):
    learner, roadmap = learner_with_milestones()
    time_machine.move_to(utc(2026, 11, 18, 12), tick=False)  # Wednesday of the week of 16 November
    client.force_login(learner)

    html = client.get("/dashboard/").content.decode()

    assert "Milestones finished this week" in html
    section = html.split("Milestones finished this week", 1)[1].split("</section>", 1)[0]
    assert "Dashboard shipped" in section
    assert "Churn model shipped" not in section
    assert "Half done" not in section


def test_the_dashboard_has_no_milestone_section_in_a_week_without_one(client, time_machine):
    learner, _ = learner_with_milestones()
    time_machine.move_to(utc(2026, 11, 25, 12), tick=False)
    client.force_login(learner)

    assert "Milestones finished this week" not in client.get("/dashboard/").content.decode()
