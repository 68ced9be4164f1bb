"""The dashboard: progress, this week, overdue tasks, phases and the burn-up chart."""

from datetime import timedelta

import pytest
import time_machine
from django.test import Client

from roadmaps.models import Roadmap, Task
from roadmaps.plans.sessions import study_sessions
from tests.factories import UserFactory
from tests.roadmaps.web.pages_data import NOW, TODAY, make_roadmap

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


def test_a_learner_without_a_roadmap_is_sent_to_onboarding(client):
    response = client.get("/dashboard/")

    assert response.status_code == 200
    assert b'href="/start/"' in response.content
    assert b"no roadmap yet" in response.content


def test_the_dashboard_shows_progress_and_the_status_against_the_plan(client, learner):
    # 20 tasks, one a day from 2 Nov; today is 18 Nov, so 17 are due and 4 are done.
    roadmap = make_roadmap(learner, tasks=20)
    Task.objects.filter(roadmap=roadmap, sequence__lt=4).update(status="done", completed_at=NOW)

    page = client.get("/dashboard/").content.decode()

    assert '<span data-testid="percent-complete">20.0%</span>' in page
    assert '<progress id="progress-bar" max="100" value="20.0">' in page
    assert 'data-testid="progress-status">Behind plan</span>' in page
    assert "8.0 of 40.0 hours done" in page
    assert "the plan expects 34.0 h (85.0%)" in page


def test_this_weeks_tasks_each_have_a_one_click_done_button(client, learner):
    roadmap = make_roadmap(learner, tasks=30)
    this_week = Task.objects.filter(roadmap=roadmap, start_date__range=("2026-11-18", "2026-11-22"))

    page = client.get("/dashboard/").content.decode()

    week_section = page.split('id="week-heading"')[1].split("</section>")[0]
    for task in this_week:
        assert f'id="task-{task.id}"' in week_section
        assert f'action="/tasks/{task.id}/status/"' in week_section
    assert week_section.count('name="status" value="done"') == this_week.count() == 5
    assert "Task 30" not in week_section


def test_overdue_tasks_come_with_a_replan_from_today_link_to_its_preview(client, learner):
    roadmap = make_roadmap(learner, tasks=30)
    Task.objects.filter(roadmap=roadmap, sequence__lt=10).update(status="done", completed_at=NOW)

    page = client.get("/dashboard/").content.decode()

    assert "Overdue (6)" in page  # tasks of 12 to 17 Nov
    assert f'<a class="button" href="/roadmaps/{roadmap.id}/replan/">Re-plan from today</a>' in page
    assert f'action="/roadmaps/{roadmap.id}/replan/"' not in page  # nothing moves before the preview


def test_a_roadmap_on_schedule_shows_no_overdue_section(client, learner):
    roadmap = make_roadmap(learner, tasks=30)
    Task.objects.filter(roadmap=roadmap, sequence__lt=17).update(status="done", completed_at=NOW)

    page = client.get("/dashboard/").content.decode()

    assert "Re-plan from today" not in page
    assert 'data-testid="progress-status">On track</span>' in page


def test_the_phase_timeline_gives_each_phase_its_dates(client, learner):
    make_roadmap(learner, tasks=9, phases=3)

    page = client.get("/dashboard/").content.decode()

    assert "1. Phase 1" in page and "2. Phase 2" in page and "3. Phase 3" in page
    assert "2 Nov 2026 – 4 Nov 2026" in page
    assert "8 Nov 2026 – 10 Nov 2026" in page


def test_the_burn_up_chart_is_inline_svg_with_planned_and_finished_lines(client, learner):
    roadmap = make_roadmap(learner, tasks=20)
    Task.objects.filter(roadmap=roadmap, sequence__lt=4).update(status="done", completed_at=NOW)

    page = client.get("/dashboard/").content.decode()

    assert '<svg viewBox="0 0 640 260"' in page
    assert 'class="burnup-planned" points="' in page
    assert 'class="burnup-finished" points="' in page
    assert "40.0 hours in all; 34.0 of them are due by today and 8.0 are finished" in page


def test_the_dashboard_of_a_chosen_roadmap_lists_the_others(client, learner):
    first = make_roadmap(learner, tasks=3)
    second = make_roadmap(learner, tasks=3)

    page = client.get(f"/roadmaps/{first.id}/dashboard/").content.decode()

    assert f'href="/roadmaps/{second.id}/dashboard/"' in page
    assert f'action="/tasks/{first.tasks.first().id}/status/"' in page


def test_the_plain_dashboard_shows_the_newest_active_roadmap(client, learner):
    make_roadmap(learner, tasks=3)
    newest = make_roadmap(learner, tasks=3)
    make_roadmap(learner, tasks=3, status=Roadmap.Status.ARCHIVED)

    page = client.get("/dashboard/").content.decode()

    assert f'href="/roadmaps/{newest.id}/"' in page.split("</h1>")[1].split("</div>")[1]


def test_another_learners_roadmap_dashboard_is_not_found(client):
    theirs = make_roadmap(UserFactory(), tasks=3)

    assert client.get(f"/roadmaps/{theirs.id}/dashboard/").status_code == 404
    assert client.get("/roadmaps/999999/dashboard/").status_code == 404


def test_the_dashboard_needs_a_login(db):
    response = Client().get("/dashboard/")

    assert response.status_code == 302
    assert response["Location"] == "/login/?next=/dashboard/"


# user with profile, the learner's roadmaps, tasks, today's sessions (roadmaps, then their tasks);
# the session comes from the cache
DASHBOARD_QUERIES = 5
CATCH_UP_QUERIES = 1  # the tasks with their milestones, only when behind


@pytest.mark.parametrize("task_count", [20, 200])
def test_the_dashboard_takes_the_same_queries_for_20_or_200_tasks(
    client, learner, django_assert_num_queries, task_count
):
    roadmap = make_roadmap(learner, tasks=task_count)
    make_roadmap(learner, tasks=task_count)  # another active roadmap: its sessions share the day
    Task.objects.filter(roadmap=roadmap, sequence__lt=3).update(status="done", completed_at=NOW)

    with django_assert_num_queries(DASHBOARD_QUERIES + CATCH_UP_QUERIES):
        response = client.get(f"/roadmaps/{roadmap.id}/dashboard/")

    # Every section is drawn: today's sessions, catch-up, finished, overdue and this week's tasks, phases, chart.
    assert response.status_code == 200
    assert response.context["sessions"] and response.context["catch_up"].options
    assert b"Re-plan from today" in response.content
    assert b"burnup-finished" in response.content


@pytest.mark.parametrize("task_count", [5, 200])
def test_a_dashboard_on_track_takes_no_catch_up_query(client, learner, django_assert_num_queries, task_count):
    roadmap = make_roadmap(learner, tasks=task_count)
    Task.objects.filter(roadmap=roadmap, sequence__lt=16).update(status="done", completed_at=NOW)

    with django_assert_num_queries(DASHBOARD_QUERIES):
        response = client.get(f"/roadmaps/{roadmap.id}/dashboard/")

    assert response.context["progress"]["status"] != "behind" and response.context["catch_up"] is None


def test_a_week_without_tasks_shows_what_comes_next(client, learner):
    from datetime import date

    roadmap = make_roadmap(learner, tasks=4, start=date(2026, 11, 30))

    page = client.get("/dashboard/").content.decode()

    assert "Nothing planned this week: your roadmap starts on Monday 30 November." in page
    assert "Your roadmap starts on Monday 30 November." in next_action(page)
    assert next_action(page).count('name="status" value="done"') == 3
    assert page.count('name="status" value="done"') == 3
    assert f'id="task-{roadmap.tasks.get(sequence=3).id}"' not in page


def next_action(page: str) -> str:
    return page.split('data-testid="next-action"')[1].split("</section>")[0]


def test_today_s_study_sessions_come_first_each_with_one_done_control(client, learner):
    roadmap = make_roadmap(learner, tasks=30)  # nothing done yet: today's session is open

    response = client.get("/dashboard/")
    page = response.content.decode()

    expected = study_sessions(Roadmap.objects.filter(pk=roadmap.pk), TODAY, TODAY)
    assert len(expected) == 1
    today_task = Task.objects.get(pk=expected[0].task_id)
    assert not today_task.is_finished
    assert [task.id for _session, task in response.context["sessions"]] == [today_task.id]
    card = next_action(page)
    assert "<h2 " in card and "Today" in card
    assert f"{expected[0].start:%H:%M}–{expected[0].end:%H:%M} · 120 minutes" in card
    assert card.count('name="status" value="done"') == 1
    assert f'action="/tasks/{today_task.id}/status/"' in card
    assert f'aria-label="Done: {today_task.title}"' in card
    assert "Undo" not in card and "Skip" not in card
    assert page.index('data-testid="next-action"') < page.index('id="progress-heading"')


def test_once_today_s_sessions_are_done_the_next_unfinished_tasks_follow(client, learner):
    roadmap = make_roadmap(learner, tasks=30)
    Task.objects.filter(roadmap=roadmap, sequence__lt=17).update(status="done", completed_at=NOW)

    card = next_action(client.get("/dashboard/").content.decode())

    assert 'data-testid="today-done"' in card
    for sequence in (17, 18, 19):
        assert f'id="task-{roadmap.tasks.get(sequence=sequence).id}"' in card
    assert card.count('name="status" value="done"') == 3
    assert "Undo" not in card


def test_a_week_all_done_still_shows_the_next_unfinished_tasks_not_only_undo(client, learner):
    roadmap = make_roadmap(learner, tasks=30)
    # Everything up to Sunday 22 Nov is done.
    Task.objects.filter(roadmap=roadmap, sequence__lt=21).update(status="done", completed_at=NOW)

    page = client.get("/dashboard/").content.decode()

    card = next_action(page)
    assert [f"Task {n}" in card for n in (22, 23, 24, 25)] == [True, True, True, False]
    assert card.count("Mark done: ") == 3 and "Undo" not in card


def test_a_finished_roadmap_says_so_instead_of_a_next_task(client, learner):
    roadmap = make_roadmap(learner, tasks=5)
    Task.objects.filter(roadmap=roadmap).update(status="done", completed_at=NOW)

    card = next_action(client.get("/dashboard/").content.decode())

    assert 'data-testid="all-finished"' in card and "Mark done" not in card


def test_the_streak_is_a_prominent_figure(client, learner):
    roadmap = make_roadmap(learner, tasks=30)
    Task.objects.filter(roadmap=roadmap, sequence=0).update(status="done", completed_at=NOW - timedelta(weeks=1))
    Task.objects.filter(roadmap=roadmap, sequence=1).update(status="done", completed_at=NOW)

    page = client.get("/dashboard/").content.decode()

    assert '<p class="streak-figure">2</p>' in page
    assert "weeks in a row with a finished task" in page


def test_a_learner_behind_gets_the_catch_up_choices_as_links_to_their_preview(client, learner):
    roadmap = make_roadmap(learner, tasks=30)

    response = client.get("/dashboard/")

    kinds = [option.kind for option in response.context["catch_up"].options]
    section = response.content.decode().split('data-testid="catch-up"')[1].split("</section>")[0]
    assert "extend" in kinds
    for kind in kinds:
        assert f'href="/roadmaps/{roadmap.id}/catch-up/?kind={kind}"' in section
    assert "<form" not in section  # nothing changes before the preview


def test_a_learner_on_track_gets_no_catch_up_section(client, learner):
    roadmap = make_roadmap(learner, tasks=30)
    Task.objects.filter(roadmap=roadmap, sequence__lt=16).update(status="done", completed_at=NOW)

    assert b'data-testid="catch-up"' not in client.get("/dashboard/").content


def test_the_switcher_is_at_the_top_with_the_active_roadmaps_first_and_clear_labels(client, learner):
    from datetime import date

    started = make_roadmap(learner, tasks=3)
    archived = make_roadmap(learner, tasks=3, status=Roadmap.Status.ARCHIVED)
    unstarted = make_roadmap(learner, tasks=3, start=date(2026, 12, 7))  # the newest, not started yet

    response = client.get("/dashboard/")
    page = response.content.decode()

    assert response.context["roadmap"] == started  # the active roadmap already under way
    switcher = page.split('data-testid="roadmap-switcher"')[1].split("</nav>")[0]
    assert page.index('data-testid="roadmap-switcher"') < page.index("<h1>")
    assert [roadmap.id for roadmap in response.context["roadmaps"]][-1] == archived.id
    assert f'href="/roadmaps/{started.id}/dashboard/" aria-current="page"' in switcher
    assert "on screen" in switcher and "archived" in switcher
    assert f'href="/roadmaps/{unstarted.id}/dashboard/"' in switcher
    assert "shown)" not in switcher
