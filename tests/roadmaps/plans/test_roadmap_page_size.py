"""The roadmap page of the catalog's largest plan: its size, and queries that do not grow with tasks.

Speed is the bench's business (bench/bench_roadmap_page.py); these tests hold what
can be counted exactly: bytes of HTML and SQL queries.
"""

from datetime import date

import pytest
import time_machine

from roadmaps.catalog import selectors as catalog_selectors
from roadmaps.catalog.loader import load_catalog
from roadmaps.models import Role, Track
from roadmaps.plans import services
from roadmaps.plans.views.task_rows import task_label
from tests.factories import UserFactory, make_track
from tests.roadmaps.web.pages_data import NOW

pytestmark = pytest.mark.django_db

MAX_HTML_BYTES = 150 * 1024
# User with profile, roadmap (with role and track), tasks, milestone records (with
# their catalog milestones), the catalog milestones' skills.  The session comes from the cache.
ROADMAP_PAGE_QUERIES = 5


@pytest.fixture(autouse=True)
def frozen_clock():
    with time_machine.travel(NOW, tick=False):
        yield


def plan(user, track: Track, weekly_hours: int):
    role = Role.objects.filter(tracks=track).first()
    inputs = services.PlanInputs(
        role=role,
        track=catalog_selectors.tracks_with_milestones().get(pk=track.pk),
        start_date=date(2026, 11, 16),
        weekly_hours=weekly_hours,
        study_days=[1, 2, 3, 4, 5, 6, 7],
        known_skills=[],
    )
    return services.roadmap_create(user=user, inputs=inputs)


@pytest.fixture
def largest_plan():
    """The seeds' new-graduates path at 4 hours a week: 514 tasks, nothing done (every button on the page)."""
    load_catalog()
    learner = UserFactory()
    roadmap = plan(learner, Track.objects.get(slug="new-graduates-path"), weekly_hours=4)
    assert roadmap.tasks.count() == 514
    return learner, roadmap


def test_the_514_task_page_is_at_most_150_kb_and_takes_the_small_pages_queries(
    client, largest_plan, django_assert_num_queries
):
    learner, roadmap = largest_plan
    client.force_login(learner)

    with django_assert_num_queries(ROADMAP_PAGE_QUERIES):
        response = client.get(f"/roadmaps/{roadmap.id}/")

    assert response.status_code == 200
    page = response.content.decode()
    assert all(f"id=task-{task_id}" in page for task_id in roadmap.tasks.values_list("id", flat=True))
    assert page.count("name=done value=") == 514
    assert len(response.content) <= MAX_HTML_BYTES, len(response.content)


@pytest.mark.parametrize(("hours", "weekly_hours", "tasks"), [(2, 10, 4), (40, 4, 40)])
def test_a_plan_with_milestone_records_takes_the_same_queries_for_4_or_40_tasks(
    client, django_assert_num_queries, hours, weekly_hours, tasks
):
    learner = UserFactory()
    track = make_track(milestones_per_phase=(2, 2), hours=hours, weeks_per_phase=20)
    track.roles.add(Role.objects.create(slug="role", name="Role", category=Role.Category.CORE_TECHNICAL))
    roadmap = plan(learner, track, weekly_hours)
    assert roadmap.tasks.count() == tasks
    client.force_login(learner)

    with django_assert_num_queries(ROADMAP_PAGE_QUERIES):
        response = client.get(f"/roadmaps/{roadmap.id}/")

    assert response.status_code == 200
    assert response.content.decode().count('<p class="meta">Skills: ') == 4


@pytest.mark.parametrize(
    ("title", "milestone", "label"),
    [
        ("Deploy a model", "Deploy a model", ""),  # the milestone's title again: printed once, above
        ("Deploy a model (part 2 of 5)", "Deploy a model", "Part 2"),
        ("Deploy a model: write the Dockerfile", "Deploy a model", "write the Dockerfile"),
        ("Deploy a model – monitoring", "Deploy a model", "monitoring"),
        ("Deploy a modelling library", "Deploy a model", "Deploy a modelling library"),
        ("Read the paper", "Deploy a model", "Read the paper"),
        ("Deploy a model:", "Deploy a model", "Deploy a model:"),
    ],
)
def test_a_task_label_drops_what_repeats_its_milestone(title, milestone, label):
    assert task_label(title, milestone) == label
