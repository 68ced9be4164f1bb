"""The plan to take away: the printable page and the CSV / Markdown checklists."""

import csv
import io

import pytest
import time_machine
from django.test import Client

from roadmaps.models import Task
from tests.factories import UserFactory
from tests.roadmaps.web.pages_data import NOW, make_roadmap

pytestmark = pytest.mark.django_db

PATHS = ["/roadmaps/{id}/print/", "/roadmaps/{id}/checklist.csv", "/roadmaps/{id}/checklist.md"]


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
    roadmap = make_roadmap(learner, tasks=6, phases=2)
    Task.objects.filter(roadmap=roadmap, sequence=0).update(status="done", completed_at=NOW)
    Task.objects.filter(roadmap=roadmap, sequence=1).update(title="=HYPERLINK(evil) *bold* [x]")
    return roadmap


def test_the_roadmap_page_links_to_print_and_both_checklists_in_one_click(client, roadmap):
    page = client.get(f"/roadmaps/{roadmap.id}/").content.decode()

    assert f'href="/roadmaps/{roadmap.id}/print/">Print</a>' in page
    assert f'href="/roadmaps/{roadmap.id}/checklist.csv" download>Checklist (CSV)</a>' in page
    assert f'href="/roadmaps/{roadmap.id}/checklist.md" download>Checklist (Markdown)</a>' in page


def test_the_printable_page_lists_every_task_under_its_phase_and_milestone_with_its_box(client, roadmap):
    page = client.get(f"/roadmaps/{roadmap.id}/print/").content.decode()

    assert "Phase 1: Phase 1" in page and "Phase 2: Phase 2" in page
    assert page.count('class="checklist-item') == 6
    assert page.count("☑") == 1 and page.count("☐") == 5
    assert "1 of 6 tasks finished" in page
    assert "data-print hidden>Print</button>" in page and "Ctrl+P" in page


def test_the_csv_checklist_has_one_row_per_task_in_plan_order_and_no_formula(client, roadmap):
    response = client.get(f"/roadmaps/{roadmap.id}/checklist.csv")

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == f'attachment; filename="{roadmap.role.slug}-roadmap-{roadmap.id}.csv"'
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    later = [f"Task {n}" for n in range(3, 7)]
    assert [row["task"] for row in rows] == ["Task 1", "'=HYPERLINK(evil) *bold* [x]", *later]
    first = rows[0]
    assert (first["phase"], first["milestone"], first["start_date"], first["due_date"]) == (
        "1. Phase 1",
        "Milestone 1",
        "2026-11-02",
        "2026-11-02",
    )
    assert (first["hours"], first["status"], first["finished_on"]) == ("2", "done", "2026-11-18")
    assert rows[1]["finished_on"] == ""


def test_the_markdown_checklist_is_a_task_list_under_phase_and_milestone_headings(client, roadmap):
    response = client.get(f"/roadmaps/{roadmap.id}/checklist.md")

    text = response.content.decode()
    assert response["Content-Type"] == "text/markdown; charset=utf-8"
    assert response["Content-Disposition"].endswith('.md"')
    assert text.startswith(f"# {roadmap.role.name} roadmap\n")
    assert "\n## Phase 1: Phase 1\n" in text and "\n### Milestone 1\n" in text
    assert "- [x] Task 1 (Mon 2 Nov 2026, 2 h)" in text
    assert r"- [ ] =HYPERLINK\(evil\) \*bold\* \[x\] (Tue 3 Nov 2026, 2 h)" in text
    assert text.count("- [ ] ") == 5


@pytest.mark.parametrize("path", PATHS)
def test_another_learners_roadmap_is_not_found(client, path):
    theirs = make_roadmap(UserFactory(), tasks=2)

    assert client.get(path.format(id=theirs.id)).status_code == 404


@pytest.mark.parametrize("path", PATHS)
def test_taking_the_plan_away_needs_a_login(roadmap, path):
    response = Client().get(path.format(id=roadmap.id))

    assert response.status_code == 302 and response["Location"].startswith("/login/")


@pytest.mark.parametrize("path", PATHS)
def test_each_takes_the_same_queries_for_a_few_or_hundreds_of_tasks(client, learner, path, django_assert_num_queries):
    small = make_roadmap(learner, tasks=3)
    big = make_roadmap(learner, tasks=300, phases=6)
    client.get(path.format(id=small.id))  # the session and profile, warmed up once

    # user with profile, roadmap, its tasks (the session from the cache)
    with django_assert_num_queries(3) as small_queries:
        assert client.get(path.format(id=small.id)).status_code == 200
    with django_assert_num_queries(len(small_queries.captured_queries)):
        assert client.get(path.format(id=big.id)).status_code == 200
