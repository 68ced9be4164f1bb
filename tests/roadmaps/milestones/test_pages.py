"""The roadmap page's milestones: status, hours and dates, one-step completion, evidence; the sharing page."""

from datetime import UTC, datetime

import pytest
import time_machine
from django.test import Client

from roadmaps.models import Portfolio, Task
from tests.factories import UserFactory
from tests.roadmaps.milestones.data import make_catalog, make_roadmap

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 16, 12, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def frozen_clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def roadmap(learner):
    return make_roadmap(learner, *make_catalog())


@pytest.fixture
def client(learner):
    client = Client()
    client.force_login(learner)
    return client


def first_milestone(roadmap):
    return roadmap.milestones.order_by("sequence").first()


def test_each_milestone_shows_its_status_hours_dates_and_a_mark_done_control(client, roadmap):
    milestone = first_milestone(roadmap)
    Task.objects.filter(pk=milestone.tasks.order_by("sequence").first().pk).update(status="done", completed_at=NOW)

    html = client.get(f"/roadmaps/{roadmap.id}/").content.decode()

    block = html.split(f'id="milestone-{milestone.id}"', 1)[1].split('class="milestone"', 1)[0]
    assert 'data-testid="milestone-status">In progress<' in block
    assert "10 of 30&nbsp;h done" in block
    tasks = list(milestone.tasks.all())
    assert f"{min(t.start_date for t in tasks):%-d %b}" in block
    assert f'action="/milestones/{milestone.id}/status/"' in block
    assert ">Mark milestone done</button>" in block
    assert 'name="csrfmiddlewaretoken"' in block
    assert f'action="/milestones/{milestone.id}/evidence/"' in block


def test_mark_milestone_done_finishes_every_task_and_comes_back_to_the_milestone(client, roadmap):
    milestone = first_milestone(roadmap)

    response = client.post(f"/milestones/{milestone.id}/status/", {"status": "done"})

    assert response.status_code == 302
    assert response["Location"] == f"/roadmaps/{roadmap.id}/#milestone-{milestone.id}"
    assert set(milestone.tasks.values_list("status", flat=True)) == {"done"}
    html = client.get(response["Location"]).content.decode()
    assert "is done: every part of it is ticked off." in html
    block = html.split(f'id="milestone-{milestone.id}"', 1)[1].split('class="milestone"', 1)[0]
    assert 'data-testid="milestone-status">Done<' in block
    assert ">Reopen milestone</button>" in block


def test_the_page_forms_need_the_csrf_token(learner, roadmap):
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(learner)
    milestone = first_milestone(roadmap)

    assert strict.post(f"/milestones/{milestone.id}/status/", {"status": "done"}).status_code == 403
    assert (
        strict.post(f"/milestones/{milestone.id}/evidence/", {"evidence_url": "https://a.example/"}).status_code == 403
    )
    assert not milestone.tasks.filter(status="done").exists()


def test_evidence_saved_from_the_page_is_shown_as_a_nofollow_link(client, roadmap):
    milestone = first_milestone(roadmap)

    response = client.post(
        f"/milestones/{milestone.id}/evidence/",
        {"evidence_url": "https://github.com/me/churn", "note": "Gradient boosting, AUC 0.91"},
    )

    milestone.refresh_from_db()
    assert (milestone.evidence_url, milestone.note) == ("https://github.com/me/churn", "Gradient boosting, AUC 0.91")
    html = client.get(response["Location"]).content.decode()
    assert '<a href="https://github.com/me/churn" rel="nofollow ugc noopener">' in html
    assert "Gradient boosting, AUC 0.91</textarea>" in html


def test_a_bad_evidence_link_from_the_page_answers_400_and_saves_nothing(client, roadmap):
    milestone = first_milestone(roadmap)

    response = client.post(
        f"/milestones/{milestone.id}/evidence/", {"evidence_url": "javascript:alert(1)", "note": "x"}
    )

    assert response.status_code == 400
    assert "https://" in response.content.decode()
    milestone.refresh_from_db()
    assert (milestone.evidence_url, milestone.note) == ("", "")


def test_a_bad_status_from_the_page_answers_400(client, roadmap):
    milestone = first_milestone(roadmap)

    assert client.post(f"/milestones/{milestone.id}/status/", {"status": "in_progress"}).status_code == 400
    assert not milestone.tasks.exclude(status="todo").exists()


def test_another_learners_milestone_is_not_found_from_the_page(client):
    theirs = first_milestone(make_roadmap(UserFactory(), *make_catalog()))

    assert client.post(f"/milestones/{theirs.id}/status/", {"status": "done"}).status_code == 404
    assert client.post(f"/milestones/{theirs.id}/evidence/", {"evidence_url": "https://a.example/"}).status_code == 404
    assert not theirs.tasks.filter(status="done").exists()


def test_the_sharing_page_turns_the_public_page_on_and_off(client, learner, roadmap):
    off = client.get("/portfolio/").content.decode()

    client.post("/portfolio/", {"public": "on"})
    on = client.get("/portfolio/").content.decode()
    url = Portfolio.objects.get(user=learner).token
    client.post("/portfolio/", {})

    assert "Your page is <strong>off</strong>" in off
    assert "Your page is <strong>public</strong>" in on and f"/p/{url}/" in on
    assert Client().get(f"/p/{url}/").status_code == 404


def test_the_sharing_page_needs_a_login(roadmap):
    assert Client().get("/portfolio/").status_code == 302
