"""What the nudge says: the state in the subject, the week's tasks, links, and the headers."""

from __future__ import annotations

from datetime import date, timedelta
from urllib.parse import urlsplit

import pytest

from roadmaps.models import Roadmap
from roadmaps.nudges import dispatch_due_nudges, nudge_message, user_id_from_token
from roadmaps.nudges.delivery import reason_not_to_send
from roadmaps.nudges.loading import load_chunk
from tests.roadmaps.nudges import data as nudges_data
from tests.roadmaps.nudges.data import add_task, mails_to, nudge_learner, roadmap_for, utc

pytestmark = pytest.mark.django_db
eager_celery, run_dispatch = nudges_data.eager_celery, nudges_data.run_dispatch

SIGN_UP = utc(2026, 11, 1, 12)
# Monday 16 November 2026, week 3 of a roadmap that started on Monday 2 November.
SLOT = utc(2026, 11, 16, 8)
D = date  # short dates keep the plans below readable


@pytest.fixture(autouse=True)
def signed_up(time_machine, settings):
    time_machine.move_to(SIGN_UP, tick=False)
    settings.SITE_URL = "https://planner.example.org"


def learner_with_plan(*, done: str, status=Roadmap.Status.ACTIVE):
    """Six tasks; the plan expects A, B and C done by the slot (50%). ``done``: which are."""
    learner = nudge_learner(now=SIGN_UP, roadmap=False, name="Ada")
    roadmap = roadmap_for(learner, tasks=0, status=status)
    plan = {
        "A": (D(2026, 11, 2), D(2026, 11, 4), utc(2026, 11, 4, 18)),
        "B": (D(2026, 11, 5), D(2026, 11, 7), utc(2026, 11, 7, 18)),
        "C": (D(2026, 11, 9), D(2026, 11, 13), utc(2026, 11, 12, 18)),
        "D": (D(2026, 11, 17), D(2026, 11, 19), utc(2026, 11, 13, 18)),
        "E": (D(2026, 11, 20), D(2026, 11, 22), utc(2026, 11, 14, 18)),
        "F": (D(2026, 11, 23), D(2026, 11, 27), utc(2026, 11, 15, 18)),
    }
    for letter, (start, due, finished) in plan.items():
        add_task(roadmap, f"Task {letter}", start, due, done_at=finished if letter in done else None)
    return learner, roadmap


def nudge_for(learner, run_dispatch):
    run_dispatch(SLOT)
    (message,) = mails_to(learner)
    return message, message.alternatives[0][0]


def test_an_on_track_learner_hears_so_in_the_subject_and_sees_the_week_ahead(run_dispatch):
    learner, roadmap = learner_with_plan(done="ABC")

    message, html = nudge_for(learner, run_dispatch)

    assert message.subject == "Week 3: 50% done, on track"
    text = message.body
    assert "Hello Ada," in text
    assert "You are on track with your ML Engineer plan: 50% done" in text
    assert "Progress: 50% (6.0 of 12.0 hours)" in text
    assert "Finished in the last 7 days:\n  - Task C\n" in text
    assert (
        "On your plan for the next 7 days:\n"
        "  - Task D (Tue 17 Nov – Thu 19 Nov)\n"
        "  - Task E (Fri 20 Nov – Sun 22 Nov)\n"
    ) in text
    assert "Task F" not in text
    assert "Overdue" not in text
    assert "Re-plan" not in text
    assert "Streak: 2 weeks in a row" in text
    assert "Your dashboard: https://planner.example.org/dashboard/" in text
    assert f"Your roadmap: https://planner.example.org/roadmaps/{roadmap.id}/" in text
    assert "<strong>You are on track with your ML Engineer plan</strong>" in html
    assert "<li>Task D <span" in html


def test_a_learner_ahead_of_plan_is_told_to_keep_the_rhythm(run_dispatch):
    # Two tasks (4 h) beyond what is due: more than one study day's 2 h.
    learner, _ = learner_with_plan(done="ABCDE")

    message, html = nudge_for(learner, run_dispatch)

    assert message.subject == "Week 3: 83.3% done, ahead of plan"
    assert "You are ahead of your ML Engineer plan: 83.3% done where the plan expected 50%" in (message.body)
    assert "Task D" in message.body.split("Finished in the last 7 days:")[1]
    assert "Re-plan" not in message.body
    assert "<strong>You are ahead of your ML Engineer plan</strong>" in html


def test_one_study_days_hours_beyond_the_plan_is_still_on_track(run_dispatch):
    # One task (2 h, one study day at 10 h over 5 days) beyond what is due.
    learner, _ = learner_with_plan(done="ABCD")

    message, _ = nudge_for(learner, run_dispatch)

    assert message.subject == "Week 3: 66.7% done, on track"


def test_a_learner_behind_plan_sees_what_is_overdue_and_a_link_to_re_plan(run_dispatch):
    learner, roadmap = learner_with_plan(done="A")

    message, html = nudge_for(learner, run_dispatch)

    assert message.subject == "Week 3: 16.7% done, behind plan"
    text = message.body
    assert "You are a little behind your ML Engineer plan: 16.7% done where the plan expected 50%" in (text)
    assert "Overdue:\n  - Task B (was due Sat 7 Nov)\n  - Task C (was due Fri 13 Nov)\n" in text
    replan = f"https://planner.example.org/roadmaps/{roadmap.id}/dashboard/"
    assert f"Re-plan from today: {replan}" in text
    assert f'<a href="{replan}">Re-plan from today</a>' in html
    assert "Streak: none yet" in text


def test_a_learner_who_finished_is_congratulated(run_dispatch):
    learner, roadmap = learner_with_plan(done="ABCDEF", status=Roadmap.Status.COMPLETED)
    # Finishing the last task (F, on 15 November) completed the roadmap.
    Roadmap.objects.filter(pk=roadmap.pk).update(updated_at=utc(2026, 11, 15, 18))

    message, html = nudge_for(learner, run_dispatch)

    assert message.subject == "Week 3: 100% done, you finished your ML Engineer roadmap"
    assert "You finished your ML Engineer roadmap (ML Foundations): every task is done." in (message.body)
    assert "On your plan for the next 7 days" not in message.body
    assert "Re-plan" not in message.body
    assert "<strong>You finished your ML Engineer roadmap</strong>" in html


def test_long_lists_are_cut_short(run_dispatch):
    learner = nudge_learner(now=SIGN_UP, roadmap=False)
    roadmap = roadmap_for(learner, tasks=0)
    for index in range(9):
        add_task(roadmap, f"Overdue {index}", D(2026, 11, 2), D(2026, 11, 3))

    message, _ = nudge_for(learner, run_dispatch)

    assert "Overdue 5" in message.body
    assert "Overdue 6" not in message.body
    assert "  ... and 3 more" in message.body


def test_the_nudge_carries_one_click_unsubscribe_headers_and_a_stable_message_id(run_dispatch):
    learner, _ = learner_with_plan(done="ABC")

    message, html = nudge_for(learner, run_dispatch)

    link = message.extra_headers["List-Unsubscribe"]
    assert link.startswith("<https://planner.example.org/nudges/unsubscribe/") and link.endswith(">")
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    token = urlsplit(link[1:-1]).path.split("/")[-2]
    assert user_id_from_token(token) == learner.id
    assert f"Unsubscribe: {link[1:-1]}" in message.body
    assert f'<a href="{link[1:-1]}">unsubscribe</a>' in html
    assert message.extra_headers["Message-ID"] == f"<nudge.{learner.id}.20261116@planner.example.org>"
    assert message.message()["Message-ID"] == message.extra_headers["Message-ID"]


def test_the_week_in_the_subject_counts_from_the_roadmap_s_start(run_dispatch):
    learner, _ = learner_with_plan(done="ABC")
    run_dispatch(SLOT)

    run_dispatch(SLOT + timedelta(weeks=4))

    subjects = [message.subject for message in mails_to(learner)]
    assert subjects[0].startswith("Week 3: ")
    assert subjects[1].startswith("Week 7: ")


def test_the_names_in_a_nudge_are_escaped_in_html(run_dispatch):
    learner = nudge_learner(now=SIGN_UP, roadmap=False)
    roadmap = roadmap_for(learner, tasks=0)
    add_task(roadmap, "<script>alert(1)</script>", D(2026, 11, 16), D(2026, 11, 18))

    message, html = nudge_for(learner, run_dispatch)

    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<script>alert(1)</script>" in message.body  # plain text is not HTML


def test_a_task_that_starts_this_week_and_is_due_later_is_on_this_week_s_list(run_dispatch):
    learner = nudge_learner(now=SIGN_UP, roadmap=False, name="Ada")
    roadmap = roadmap_for(learner, tasks=0)
    add_task(roadmap, "Task A", D(2026, 11, 2), D(2026, 11, 13), done_at=utc(2026, 11, 12, 18))
    add_task(roadmap, "Long task", D(2026, 11, 21), D(2026, 12, 2))

    message, html = nudge_for(learner, run_dispatch)

    assert "On your plan for the next 7 days:\n  - Long task (Sat 21 Nov – Wed 2 Dec)\n" in message.body
    assert "Nothing is planned" not in message.body
    assert "<li>Long task <span" in html


def test_finished_in_the_last_7_days_runs_from_the_same_weekday_a_week_ago_to_the_day_before_the_slot(run_dispatch):
    learner = nudge_learner(now=SIGN_UP, roadmap=False)
    roadmap = roadmap_for(learner, tasks=0)
    add_task(
        roadmap,
        "Finished the day before the window",
        D(2026, 11, 2),
        D(2026, 11, 8),
        done_at=utc(2026, 11, 8, 23, 59, 59),
    )
    add_task(roadmap, "Finished as the window opens", D(2026, 11, 2), D(2026, 11, 9), done_at=utc(2026, 11, 9, 0, 0))
    add_task(roadmap, "Finished on the last day", D(2026, 11, 9), D(2026, 11, 15), done_at=utc(2026, 11, 15, 23, 59))
    add_task(
        roadmap, "Finished on the slot's own day", D(2026, 11, 9), D(2026, 11, 16), done_at=utc(2026, 11, 16, 7, 0)
    )
    add_task(roadmap, "Still to do", D(2026, 11, 16), D(2026, 11, 18))

    message, _ = nudge_for(learner, run_dispatch)

    assert (
        "Finished in the last 7 days:\n  - Finished as the window opens\n  - Finished on the last day\n"
    ) in message.body
    assert "Finished the day before the window" not in message.body
    assert "Finished on the slot's own day" not in message.body


def test_every_kind_of_nudge_is_built_from_the_columns_loaded_for_it(
    django_assert_num_queries, django_capture_on_commit_callbacks, time_machine
):
    # The sender loads only the columns a nudge reads: one more read would be a query per mail.
    learner_with_plan(done="A")  # behind, with overdue tasks
    learner_with_plan(done="ABCD")  # ahead, finished some last week
    finished, roadmap = learner_with_plan(done="ABCDEF", status=Roadmap.Status.COMPLETED)
    Roadmap.objects.filter(pk=roadmap.pk).update(updated_at=utc(2026, 11, 15, 18))
    nudge_learner(now=SIGN_UP, name="Amélie", profile__language="fr")
    queued: list[int] = []
    time_machine.move_to(SLOT, tick=False)
    with django_capture_on_commit_callbacks(execute=True):
        dispatch_due_nudges(now=SLOT, enqueue=queued.extend)
    chunk = load_chunk(queued)

    with django_assert_num_queries(0):
        messages = [
            nudge_message(d, chunk.tasks_of(d)) for d in chunk.deliveries.values() if not reason_not_to_send(d, SLOT)
        ]
        subjects = sorted(message.subject for message in messages)

    assert len(subjects) == 4
    assert any("behind plan" in subject for subject in subjects)
    assert any("you finished" in subject for subject in subjects)
    assert any("Semaine" in subject for subject in subjects)
