"""The roadmap page and its actions: task status, re-plan, e-mail export, delete."""

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


def test_the_roadmap_page_shows_every_phase_milestone_and_task_with_dates(client, roadmap):
    page = client.get(f"/roadmaps/{roadmap.id}/").content.decode()

    assert "Phase 1: Phase 1" in page and "Phase 3: Phase 3" in page
    assert page.count('<div class="milestone">') == 15
    for each in roadmap.tasks.all():
        assert f'id="task-{each.id}"' in page
    assert "Mon 2 Nov 2026" in page  # the first task's date
    assert "2 Nov 2026 – 11 Nov 2026" in page  # phase 1


def test_the_roadmap_page_filters_by_status(client, roadmap):
    Task.objects.filter(roadmap=roadmap, sequence__in=[0, 1]).update(status="done", completed_at=NOW)

    page = client.get(f"/roadmaps/{roadmap.id}/?status=done").content.decode()

    assert "2 tasks shown." in page
    assert f'id="task-{task(roadmap, 0).id}"' in page
    assert f'id="task-{task(roadmap, 5).id}"' not in page
    assert 'aria-current="true">Done <span class="count">2</span>' in page


def test_the_overdue_filter_shows_unfinished_tasks_due_before_today(client, roadmap):
    page = client.get(f"/roadmaps/{roadmap.id}/?status=overdue").content.decode()

    assert "16 tasks shown." in page  # 2 to 17 November
    assert f'id="task-{task(roadmap, 16).id}"' not in page  # due today


def test_an_unknown_status_filter_answers_400_and_shows_every_task(client, roadmap):
    response = client.get(f"/roadmaps/{roadmap.id}/?status=lost")

    assert response.status_code == 400
    assert "30 tasks shown." in response.content.decode()
    assert "Select a valid choice" in response.content.decode()


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


ROADMAP_PAGE_QUERIES = 5  # user, roadmap, profile, tasks, milestone records (the session from the cache)


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
    assert b"greater than or equal to 1" in response.content
    roadmap.refresh_from_db()
    assert roadmap.weekly_hours == 10
    assert task(roadmap, 20).calendar_revision == 0
