"""The roadmap page and its actions: task status, re-plan, e-mail export, delete."""

import re
from datetime import date

import pytest
import time_machine
from django.test import Client

from roadmaps.models import CalendarExport, Roadmap, Task
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


@pytest.fixture
def roadmap(learner):
    return make_roadmap(learner, tasks=30, phases=3)


def task(roadmap, sequence) -> Task:
    return Task.objects.get(roadmap=roadmap, sequence=sequence)


def shows(page: str, each: Task) -> bool:
    """The task's anchor (``#task-<id>``) is on the page: on its label, or on its row."""
    return re.search(rf"id=task-{each.id}[ >]", page) is not None


def row(page: str, each: Task) -> str:
    """The HTML of the task's row, from its <li> to the next (or the end of the list)."""
    start = page.rindex("<li", 0, re.search(rf"id=task-{each.id}[ >]", page).start())
    return re.split(r"<li[ >]|</ul>", page[start + 3 :], maxsplit=1)[0]


def open_milestones(page: str) -> list[str]:
    """The HTML of each open milestone, up to the next milestone."""
    return [block for block in page.split('<details class="milestone"')[1:] if block.startswith(" open>")]


def open_phases(page: str) -> list[str]:
    return re.findall(r'<details class="phase" id="phase-(\d+)" open>', page)


def test_the_roadmap_page_shows_every_phase_milestone_and_task_with_dates(client, roadmap):
    page = client.get(f"/roadmaps/{roadmap.id}/").content.decode()

    assert "Phase 1: Phase 1" in page and "Phase 3: Phase 3" in page
    assert page.count('<details class="milestone"') == 15
    for each in roadmap.tasks.all():
        assert shows(page, each)
    assert "Mon 2 Nov" in row(page, task(roadmap, 0))  # the first task's date
    assert "2 Nov 2026 – 11 Nov 2026" in page  # phase 1
    assert "0 of 20&nbsp;h done" in page  # phase 1's progress, in hours


def test_each_phase_and_milestone_is_a_disclosure_and_only_the_current_phase_is_open(client, roadmap):
    page = client.get(f"/roadmaps/{roadmap.id}/").content.decode()

    assert page.count('<details class="phase"') == 3
    assert open_phases(page) == ["1"]  # nothing done yet: the first task's phase
    assert page.count('<details class="milestone" open>') == 1  # and the first task's milestone

    Task.objects.filter(roadmap=roadmap, sequence__lt=12).update(status="done", completed_at=NOW)
    page = client.get(f"/roadmaps/{roadmap.id}/").content.decode()

    assert open_phases(page) == ["2"]  # the first unfinished task (the 13th) is in phase 2
    [opened] = open_milestones(page)
    assert "Milestone 7" in opened and shows(opened, task(roadmap, 12))


def test_with_every_task_finished_only_the_last_phase_is_open(client, roadmap):
    Task.objects.filter(roadmap=roadmap).update(status="done", completed_at=NOW)

    page = client.get(f"/roadmaps/{roadmap.id}/").content.decode()

    assert open_phases(page) == ["3"]
    assert '<details class="milestone" open>' not in page


def test_change_your_pace_is_a_link_at_the_top_and_the_old_pace_form_is_gone(client, roadmap):
    page = client.get(f"/roadmaps/{roadmap.id}/").content.decode()

    link = page.index(f'href="/roadmaps/{roadmap.id}/pace/">Change your pace</a>')
    assert link < page.index('<details class="phase"')
    assert "Re-plan from today" not in page
    assert f'action="/roadmaps/{roadmap.id}/replan/"' not in page


def test_the_roadmap_page_filters_by_status(client, roadmap):
    Task.objects.filter(roadmap=roadmap, sequence__in=[0, 1]).update(status="done", completed_at=NOW)

    page = client.get(f"/roadmaps/{roadmap.id}/?status=done").content.decode()

    assert "2 tasks shown." in page
    assert shows(page, task(roadmap, 0))
    assert not shows(page, task(roadmap, 5))
    assert 'aria-current="true">Done <span class="count">2</span>' in page


def test_the_overdue_filter_shows_unfinished_tasks_due_before_today(client, roadmap):
    page = client.get(f"/roadmaps/{roadmap.id}/?status=overdue").content.decode()

    assert "16 tasks shown." in page  # 2 to 17 November
    assert not shows(page, task(roadmap, 16))  # due today


def test_an_unknown_status_filter_answers_400_and_shows_every_task(client, roadmap):
    response = client.get(f"/roadmaps/{roadmap.id}/?status=lost")

    assert response.status_code == 400
    assert "30 tasks shown." in response.content.decode()
    assert "status: Select a valid choice" in response.content.decode()


def test_this_week_shows_the_weeks_tasks_and_the_unfinished_ones_before_it(client, roadmap):
    # Today is Wednesday 18 November; one task a day from Monday 2 November.
    Task.objects.filter(roadmap=roadmap, sequence__lt=10).update(status="done", completed_at=NOW)

    page = client.get(f"/roadmaps/{roadmap.id}/?show=week").content.decode()

    shown = [each.sequence for each in roadmap.tasks.order_by("sequence") if shows(page, each)]
    assert shown == [10, 11, 12, 13, *range(14, 21)]  # 4 left over from before, then 16 to 22 November
    assert "11 tasks shown." in page
    assert 'aria-current="true">This week</a>' in page
    assert 'aria-current="true">All <span class="count">11</span>' in page  # statuses count the week's
    assert '>Overdue <span class="count">6</span>' in page  # 12 to 17 November
    assert open_phases(page) == ["2", "3"]  # a filter opens everything it shows


def test_next_two_weeks_reaches_the_sunday_after_next(client, roadmap):
    Task.objects.filter(roadmap=roadmap, sequence__lt=14).update(status="done", completed_at=NOW)

    page = client.get(f"/roadmaps/{roadmap.id}/?show=2weeks").content.decode()

    shown = [each.sequence for each in roadmap.tasks.order_by("sequence") if shows(page, each)]
    assert shown == list(range(14, 28))  # 16 to 29 November
    assert 'aria-current="true">Next 2 weeks</a>' in page


def test_the_filters_are_links_that_keep_each_other(client, roadmap):
    page = client.get(f"/roadmaps/{roadmap.id}/?show=week&status=todo").content.decode()

    assert 'href="?show=2weeks&amp;status=todo"' in page  # a window link keeps the status
    assert 'href="?status=todo"' in page  # "All" drops only the window
    assert 'href="?show=week&amp;status=done"' in page  # a status link keeps the window
    assert 'href="?show=week"' in page  # as "All" statuses does


def test_an_unknown_window_answers_400_naming_the_parameter_and_shows_every_task(client, roadmap):
    response = client.get(f"/roadmaps/{roadmap.id}/?show=fortnight")

    page = response.content.decode()
    assert response.status_code == 400
    assert "show: Select a valid choice. fortnight is not one of the available choices." in page
    assert "30 tasks shown." in page


def test_a_task_title_that_repeats_its_milestone_is_not_printed_twice(client, roadmap):
    Task.objects.filter(pk=task(roadmap, 0).pk).update(title="Milestone 1 (part 1 of 2)")
    Task.objects.filter(pk=task(roadmap, 1).pk).update(title="Milestone 1: set up the tools")
    Task.objects.filter(pk=task(roadmap, 29).pk).update(title="Solo project", milestone_title="Solo project")

    page = client.get(f"/roadmaps/{roadmap.id}/").content.decode()

    assert page.count(">Milestone 1<") == 1  # the heading only
    assert f"<b id=task-{task(roadmap, 0).id}>Part 1</b>" in page
    assert f"<b id=task-{task(roadmap, 1).id}>set up the tools</b>" in page
    # A milestone of one task of the same title: the title once, and the row's buttons point at it.
    assert page.count("Solo project") == 1
    heading = re.search(r'<h3 id="([\w-]+)">Solo project</h3>', page)[1]
    assert f"aria-describedby={heading}>Done</button>" in row(page, task(roadmap, 29))


def test_each_task_has_one_done_button_and_start_and_skip_in_a_menu(client, roadmap):
    Task.objects.filter(pk=task(roadmap, 1).pk).update(status="in_progress")
    Task.objects.filter(pk=task(roadmap, 2).pk).update(status="done", completed_at=NOW)

    page = client.get(f"/roadmaps/{roadmap.id}/").content.decode()

    todo, started, done = (row(page, task(roadmap, sequence)) for sequence in (0, 1, 2))
    assert todo.count("<button") == 3 and todo.count("name=done") == 1
    menu = todo.split("<details>", 1)[1]
    assert "<summary>More</summary>" in menu and ">Start</button>" in menu and ">Skip</button>" in menu
    assert "name=start" not in started and ">Skip</button>" in started and "In progress" in started
    assert done.count("<button") == 1 and ">Undo</button>" in done and "finished Wed 18 Nov" in done
    # One CSRF token a milestone, not one a task.
    assert page.count('name="csrfmiddlewaretoken"') == 15 + 2  # and the log-out and language forms'


def test_done_from_the_roadmap_page_returns_to_the_task_with_the_message_beside_it(client, roadmap):
    target = task(roadmap, 16)  # due today
    back = f"/roadmaps/{roadmap.id}/?show=2weeks"

    response = client.post(f"/roadmaps/{roadmap.id}/tasks/", {"done": target.id, "next": back})

    target.refresh_from_db()
    assert (target.status, target.completed_at) == ("done", NOW)
    assert response.status_code == 302
    assert response["Location"] == f"{back}#task-{target.id}"
    page = client.get(response["Location"]).content.decode()
    here = row(page, target)
    assert 'role="status" tabindex="-1" data-flash>“Task 17” is now done.</p>' in here
    assert '<div class="messages"' not in page  # not also at the top, out of sight
    assert ">Undo</button>" in here


def test_after_done_the_tasks_phase_and_milestone_are_open_even_when_not_current(client, roadmap):
    target = task(roadmap, 25)  # phase 3, while the current task (the first) is in phase 1

    response = client.post(f"/roadmaps/{roadmap.id}/tasks/", {"done": target.id})

    assert response["Location"] == f"/roadmaps/{roadmap.id}/#task-{target.id}"
    page = client.get(response["Location"]).content.decode()
    assert open_phases(page) == ["1", "3"]
    opened = open_milestones(page)[1]
    assert shows(opened, target) and "is now done." in opened
    assert "is now done." not in client.get(response["Location"]).content.decode()  # shown once


def test_a_message_about_a_task_the_filter_hides_shows_at_the_top(client, roadmap):
    target = task(roadmap, 3)
    back = f"/roadmaps/{roadmap.id}/?status=todo"

    response = client.post(f"/roadmaps/{roadmap.id}/tasks/", {"done": target.id, "next": back}, follow=True)

    page = response.content.decode()
    assert not shows(page, target)
    assert '<div class="messages" role="status" aria-live="polite">' in page
    assert "“Task 4” is now done." in page.split('<div class="messages"', 1)[1].split("</div>", 1)[0]


@pytest.mark.parametrize(
    ("action", "status"), [("start", "in_progress"), ("skip", "skipped"), ("done", "done"), ("undo", "todo")]
)
def test_each_task_button_sets_its_status(client, roadmap, action, status):
    target = task(roadmap, 4)
    Task.objects.filter(pk=target.pk).update(status="skipped" if action == "undo" else "todo")

    response = client.post(f"/roadmaps/{roadmap.id}/tasks/", {action: target.id})

    target.refresh_from_db()
    assert response.status_code == 302
    assert target.status == status


@pytest.mark.parametrize(
    ("body", "named"),
    [
        ({}, "Send exactly one of done, start, skip or undo"),
        ({"done": "1", "skip": "2"}, "Send exactly one of done, start, skip or undo"),
        ({"done": "first"}, "Enter a whole number."),
        ({"skip": str(10**30)}, "Ensure this value is less than or equal to 2147483647."),
        ({"undo": "0"}, "Ensure this value is greater than or equal to 1."),
    ],
)
def test_bad_task_buttons_answer_400_and_change_nothing(client, roadmap, body, named):
    response = client.post(f"/roadmaps/{roadmap.id}/tasks/", body)

    assert response.status_code == 400
    assert named in response.content.decode()
    assert not roadmap.tasks.exclude(status="todo").exists()


def test_a_task_of_another_roadmap_or_learner_is_not_found_and_stays_as_it_was(client, learner, roadmap):
    mine_elsewhere = make_roadmap(learner, tasks=2).tasks.first()
    theirs = make_roadmap(UserFactory(), tasks=2)

    assert client.post(f"/roadmaps/{roadmap.id}/tasks/", {"done": mine_elsewhere.id}).status_code == 404
    assert client.post(f"/roadmaps/{theirs.id}/tasks/", {"done": theirs.tasks.first().id}).status_code == 404
    assert client.post(f"/roadmaps/{roadmap.id}/tasks/", {"done": theirs.tasks.first().id}).status_code == 404
    assert not Task.objects.exclude(status="todo").exists()


def test_the_task_buttons_need_post_a_login_and_the_csrf_token(learner, roadmap):
    target = task(roadmap, 3)
    url = f"/roadmaps/{roadmap.id}/tasks/"
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(learner)
    loose = Client()
    loose.force_login(learner)

    assert loose.get(url).status_code == 405
    assert Client().post(url, {"done": target.id})["Location"].startswith("/login/?next=")
    assert strict.post(url, {"done": target.id}).status_code == 403
    target.refresh_from_db()
    assert target.status == "todo"


def test_another_learners_roadmap_page_is_not_found(client):
    theirs = make_roadmap(UserFactory(), tasks=3)

    assert client.get(f"/roadmaps/{theirs.id}/").status_code == 404


def test_ids_beyond_the_databases_range_are_not_found_rather_than_errors(client):
    huge = 10**30

    assert client.get(f"/roadmaps/{huge}/").status_code == 404
    assert client.get(f"/roadmaps/{huge}/dashboard/").status_code == 404
    assert client.post(f"/tasks/{huge}/status/", {"status": "done"}).status_code == 404
    assert client.post(f"/roadmaps/{huge}/replan/").status_code == 404


def test_marking_a_task_done_stores_it_and_returns_to_the_task(client, roadmap):
    target = task(roadmap, 3)

    response = client.post(f"/tasks/{target.id}/status/", {"status": "done", "next": f"/roadmaps/{roadmap.id}/"})

    target.refresh_from_db()
    assert target.status == "done"
    assert target.completed_at == NOW
    assert response["Location"] == f"/roadmaps/{roadmap.id}/#task-{target.id}"
    assert "3.3% complete" in client.get(f"/roadmaps/{roadmap.id}/").content.decode()


def test_undoing_a_done_task_clears_its_completion(client, roadmap):
    target = task(roadmap, 3)
    client.post(f"/tasks/{target.id}/status/", {"status": "done"})

    client.post(f"/tasks/{target.id}/status/", {"status": "todo"})

    target.refresh_from_db()
    assert (target.status, target.completed_at) == ("todo", None)


def test_a_next_address_off_the_site_is_ignored(client, roadmap):
    target = task(roadmap, 3)

    response = client.post(f"/tasks/{target.id}/status/", {"status": "done", "next": "https://evil.example/"})

    assert response["Location"] == f"/roadmaps/{roadmap.id}/#task-{target.id}"


def test_a_bad_status_answers_400_and_changes_nothing(client, roadmap):
    target = task(roadmap, 3)

    response = client.post(f"/tasks/{target.id}/status/", {"status": "finished-ish"})

    assert response.status_code == 400
    assert b"Select a valid choice" in response.content
    target.refresh_from_db()
    assert target.status == "todo"


def test_another_learners_task_is_not_found_and_stays_as_it_was(client):
    theirs = make_roadmap(UserFactory(), tasks=3).tasks.first()

    response = client.post(f"/tasks/{theirs.id}/status/", {"status": "done"})

    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == "todo"


def test_task_status_takes_only_post(client, roadmap):
    assert client.get(f"/tasks/{task(roadmap, 3).id}/status/").status_code == 405


def test_replanning_moves_unfinished_tasks_to_start_today_and_keeps_finished_ones(client, roadmap):
    Task.objects.filter(roadmap=roadmap, sequence__lt=5).update(status="done", completed_at=NOW)

    response = client.post(f"/roadmaps/{roadmap.id}/replan/")

    assert response["Location"] == f"/roadmaps/{roadmap.id}/dashboard/"
    assert task(roadmap, 0).start_date == date(2026, 11, 2)
    unfinished = Task.objects.filter(roadmap=roadmap, sequence__gte=5)
    assert min(t.start_date for t in unfinished) >= TODAY
    assert all(t.calendar_revision == 1 for t in unfinished)
    page = client.get(response["Location"]).content.decode()
    assert "Re-planned from 18 November 2026" in page
    assert "Re-plan from today" not in page


def test_another_learners_roadmap_cannot_be_replanned(client):
    theirs = make_roadmap(UserFactory(), tasks=3)

    assert client.post(f"/roadmaps/{theirs.id}/replan/").status_code == 404
    assert task(theirs, 0).start_date == date(2026, 11, 2)


def test_emailing_the_calendar_stores_an_export_and_queues_it_after_commit(
    client, learner, roadmap, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(f"/roadmaps/{roadmap.id}/export/", {"next": "/calendar/"})

    assert response["Location"] == "/calendar/"
    assert CalendarExport.objects.filter(user=learner, roadmap=roadmap).count() == 1
    assert len(callbacks) == 1
    assert learner.email in client.get("/calendar/").content.decode()


def test_exports_share_the_apis_budget_per_learner(client, learner, roadmap, settings):
    from roadmaps.calendar.api import ExportThrottle

    # A cache of this test's own: the shared Redis one may be cleared by other runs.
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    budget = ExportThrottle().num_requests
    for _ in range(budget - 1):
        assert client.post(f"/api/roadmaps/{roadmap.id}/export/").status_code == 202
    client.post(f"/roadmaps/{roadmap.id}/export/")

    response = client.post(f"/roadmaps/{roadmap.id}/export/", follow=True)

    assert "try again later" in response.content.decode()
    assert CalendarExport.objects.count() == budget
    assert client.post(f"/api/roadmaps/{roadmap.id}/export/").status_code == 429


def test_another_learners_roadmap_cannot_be_exported(client):
    theirs = make_roadmap(UserFactory(), tasks=3)

    assert client.post(f"/roadmaps/{theirs.id}/export/").status_code == 404
    assert not CalendarExport.objects.exists()


def test_deleting_a_roadmap_asks_first_then_removes_it(client, roadmap):
    confirm = client.get(f"/roadmaps/{roadmap.id}/delete/")
    assert confirm.status_code == 200
    assert Roadmap.objects.filter(pk=roadmap.pk).exists()

    response = client.post(f"/roadmaps/{roadmap.id}/delete/")

    assert response["Location"] == "/dashboard/"
    assert not Roadmap.objects.filter(pk=roadmap.pk).exists()


def test_another_learners_roadmap_cannot_be_deleted(client):
    theirs = make_roadmap(UserFactory(), tasks=3)

    assert client.post(f"/roadmaps/{theirs.id}/delete/").status_code == 404
    assert Roadmap.objects.filter(pk=theirs.pk).exists()


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/roadmaps/{id}/"),
        ("get", "/roadmaps/{id}/delete/"),
        ("post", "/roadmaps/{id}/replan/"),
        ("post", "/roadmaps/{id}/export/"),
        ("post", "/tasks/{task}/status/"),
    ],
)
def test_roadmap_pages_need_a_login(roadmap, method, path):
    url = path.format(id=roadmap.id, task=roadmap.tasks.first().id)

    response = getattr(Client(), method)(url, {"status": "done"} if method == "post" else {})

    assert response.status_code == 302
    assert response["Location"].startswith("/login/?next=")
    assert not roadmap.tasks.filter(status="done").exists()


def test_forms_without_the_csrf_token_are_refused(learner, roadmap):
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(learner)
    target = task(roadmap, 3)

    assert strict.post(f"/tasks/{target.id}/status/", {"status": "done"}).status_code == 403
    assert strict.post(f"/roadmaps/{roadmap.id}/replan/").status_code == 403
    assert strict.post(f"/roadmaps/{roadmap.id}/delete/").status_code == 403
    target.refresh_from_db()
    assert target.status == "todo"


# User with profile, roadmap, tasks, milestone records (the session from the cache): these factory-made
# tasks have no record, so no catalog skills to load (test_roadmap_page_size.py counts a plan that has them: one more).
ROADMAP_PAGE_QUERIES = 4


@pytest.mark.parametrize("task_count", [5, 200])
@pytest.mark.parametrize("status", ["", "done", "overdue"])
def test_the_roadmap_page_takes_the_same_queries_for_5_or_200_tasks(
    client, learner, django_assert_num_queries, task_count, status
):
    roadmap = make_roadmap(learner, tasks=task_count)
    Task.objects.filter(roadmap=roadmap, sequence__lt=3).update(status="done", completed_at=NOW)

    with django_assert_num_queries(ROADMAP_PAGE_QUERIES):
        response = client.get(f"/roadmaps/{roadmap.id}/?status={status}")

    assert response.status_code == 200


def test_replanning_with_a_new_pace_stores_it_on_the_roadmap(client, roadmap):
    response = client.post(f"/roadmaps/{roadmap.id}/replan/", {"weekly_hours": "4", "study_days": ["6", "7"]})

    roadmap.refresh_from_db()
    assert response.status_code == 302
    assert (roadmap.weekly_hours, roadmap.study_days) == (4, [6, 7])
    unfinished = Task.objects.filter(roadmap=roadmap)
    assert all(t.start_date.isoweekday() in (6, 7) for t in unfinished)


def test_replanning_with_a_bad_pace_answers_400_and_moves_nothing(client, roadmap):
    response = client.post(f"/roadmaps/{roadmap.id}/replan/", {"weekly_hours": "0"})

    assert response.status_code == 400
    assert b"Choose between 1 and 60 hours a week." in response.content
    roadmap.refresh_from_db()
    assert roadmap.weekly_hours == 10
    assert task(roadmap, 20).calendar_revision == 0
