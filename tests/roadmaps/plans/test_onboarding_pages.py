"""Onboarding pages: role, track, skills, schedule, preview and create."""

import html
import re
from datetime import timedelta
from urllib.parse import parse_qs, urlencode

import pytest
import time_machine

from roadmaps.models import Roadmap
from tests.factories import UserFactory
from tests.roadmaps.web.pages_data import NOW, TODAY, page_catalog

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen_clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def catalog():
    return page_catalog()


@pytest.fixture
def learner(db):
    return UserFactory(profile__timezone="America/New_York", profile__weekly_hours=10)


@pytest.fixture
def client(client, learner):
    client.force_login(learner)
    return client


def plan_query(**overrides) -> str:
    fields = {
        "role": "ml-engineer",
        "track": "ml-track",
        "weekly_hours": "10",
        "study_days": ["1", "3", "5"],
        "start_date": TODAY.isoformat(),
        "timezone": "America/New_York",
        "target_weeks": "",
    }
    fields.update(overrides)
    return urlencode({k: v for k, v in fields.items() if v is not None}, doseq=True)


def plan_data(**overrides) -> dict:
    fields = parse_qs(plan_query(**overrides), keep_blank_values=True)
    return {name: values if len(values) > 1 else values[0] for name, values in fields.items()}


def test_the_role_step_groups_roles_by_category_with_mission_and_key_skills(client, catalog):
    page = client.get("/start/").content.decode()

    assert "Core technical" in page and "Business and strategy" in page
    assert page.index("Core technical") < page.index("Machine Learning Engineer")
    assert page.index("Business and strategy") < page.index("AI Product Manager")
    assert "Take models from notebooks to production." in page
    assert "Key skills:</span> Modelling, Python" in page


def test_searching_roles_without_a_script_keeps_only_the_matching_ones_grouped(client, catalog):
    page = client.get("/start/?q=notebooks").content.decode()

    assert 'id="role-ml-engineer"' in page
    assert 'id="role-ai-product-manager"' not in page
    assert "Core technical" in page and "Business and strategy" not in page
    assert "1 role matches “notebooks”" in page
    assert '<a href="/start/">Show all 2 roles</a>' in page
    assert 'name="q" value="notebooks"' in page


@pytest.mark.parametrize("query", ["python", "PRODUCT manager", "  decide   why "])
def test_role_search_matches_every_word_in_name_mission_or_key_skills_whatever_the_case(client, catalog, query):
    page = client.get("/start/", {"q": query}).content.decode()

    assert page.count('name="role" value=') == 1


def test_a_role_search_with_no_match_says_so_and_offers_every_role(client, catalog):
    page = client.get("/start/?q=astronaut").content.decode()

    assert "No role matches “astronaut”" in page
    assert 'name="role"' not in page
    assert 'href="/start/">show all roles</a>' in page


def test_the_skills_step_spells_categories_as_people_write_them(client, catalog):
    from tests.factories import SkillFactory

    mlops = SkillFactory(slug="docker", name="Docker", category="mlops")
    catalog.track.phases.get(order=1).milestones.first().skills.add(mlops)

    page = client.get("/start/skills/?role=ml-engineer&track=ml-track").content.decode()

    assert "<legend>MLOps</legend>" in page and "Mlops" not in page
    assert "<legend>Machine learning</legend>" in page


def test_the_track_step_offers_the_tracks_of_the_role_with_length_and_audience(client, catalog):
    page = client.get("/start/track/?role=ml-engineer").content.decode()

    assert "ML Engineer Track" in page
    assert "AI PM Track" not in page
    assert "8 weeks" in page
    assert "Software engineers moving into ML" in page
    assert 'name="role" value="ml-engineer"' in page


def test_the_track_step_without_a_role_goes_back_to_the_first_step(client, catalog):
    response = client.get("/start/track/?role=no-such-role")

    assert response.status_code == 302
    assert response["Location"] == "/start/"


def test_the_skills_step_lists_the_track_skills_ticked_from_the_profile(client, catalog, learner):
    learner.profile.known_skills.add(catalog.python)

    page = client.get("/start/skills/?role=ml-engineer&track=ml-track").content.decode()

    assert 'value="python" id="skill-python" checked' in page
    assert 'value="modelling" id="skill-modelling">' in page
    assert "SQL" not in page


def test_the_schedule_step_starts_from_the_profile(client, catalog):
    page = client.get("/start/schedule/?role=ml-engineer&track=ml-track").content.decode()

    assert 'value="10"' in page
    assert '<option value="America/New_York" selected>' in page
    assert f'value="{TODAY.isoformat()}"' in page
    assert "<legend>Study days" in page


def test_the_schedule_step_proposes_the_tracks_usual_length_as_the_goal(client, catalog):
    page = client.get("/start/schedule/?role=ml-engineer&track=ml-track").content.decode()

    assert 'name="target_weeks" value="8"' in page
    assert "ML Engineer Track usually takes 8 weeks." in page


def test_the_preview_shows_phases_with_dates_hours_and_the_end_date_without_storing(client, catalog):
    response = client.get(f"/start/preview/?{plan_query()}")

    page = response.content.decode()
    assert response.status_code == 200
    assert '<th scope="row">1. ' in page and '<th scope="row">2. ' in page
    assert "<td>18 Nov 2026</td>" in page  # phase 1 starts on the start date
    assert "Hours a week" in page
    assert "Ends on" in page
    assert "46.0 h in" in page  # 4 milestones of 10 h and the 6 h Python refresher
    assert 'action="/start/create/"' in page
    assert not Roadmap.objects.exists()


def test_known_skills_leave_their_milestones_out_of_the_preview(client, catalog):
    page = client.get(f"/start/preview/?{plan_query(known_skills='python')}").content.decode()

    assert "40.0 h in" in page
    assert "Left out because you know the skills" in page
    assert "Python refresher" in page


def test_a_plan_that_cannot_fit_shows_the_needed_hours_on_the_form_not_an_error_page(client, catalog):
    response = client.get(f"/start/preview/?{plan_query(weekly_hours='1', target_weeks='2')}")

    page = response.content.decode()
    assert response.status_code == 400
    assert "When can you study?" in page
    assert "This plan needs at least" in page
    assert "hours a week to finish in 2 weeks" in page
    assert 'id="id_weekly_hours_error"' in page
    assert "ML Engineer Track usually takes 8 weeks." in page
    assert not Roadmap.objects.exists()


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ({"study_days": None}, "Choose at least one study day."),
        ({"weekly_hours": "0"}, "greater than or equal to 1"),
        ({"weekly_hours": "many"}, "Enter a whole number."),
        ({"start_date": (TODAY + timedelta(days=400)).isoformat()}, "a year ahead"),
        ({"start_date": (TODAY - timedelta(days=8)).isoformat()}, "from a week ago"),
        ({"timezone": "Nowhere/Land"}, "Select a valid choice"),
    ],
)
def test_bad_schedule_input_comes_back_on_the_form(client, catalog, override, message):
    response = client.get(f"/start/preview/?{plan_query(**override)}")

    assert response.status_code == 400
    assert message in response.content.decode()
    assert 'aria-invalid="true"' in response.content.decode()


def test_creating_the_plan_stores_it_and_opens_its_dashboard(client, catalog, learner):
    response = client.post("/start/create/", plan_data(known_skills="python"))

    roadmap = Roadmap.objects.get(user=learner)
    assert response.status_code == 302
    assert response["Location"] == f"/roadmaps/{roadmap.id}/dashboard/"
    assert roadmap.tasks.count() == 4
    assert roadmap.study_days == [1, 3, 5]
    assert all(task.start_date.isoweekday() in (1, 3, 5) for task in roadmap.tasks.all())
    dashboard = client.get(response["Location"])
    assert "Machine Learning Engineer roadmap is ready" in dashboard.content.decode()


def test_creating_the_plan_keeps_the_choices_as_profile_defaults(client, catalog, learner):
    client.post("/start/create/", plan_data(timezone="Asia/Tokyo", known_skills="python"))

    learner.profile.refresh_from_db()
    assert learner.profile.timezone == "Asia/Tokyo"
    assert learner.profile.study_days == [1, 3, 5]
    assert list(learner.profile.known_skills.values_list("slug", flat=True)) == ["python"]


def test_creating_a_plan_that_cannot_fit_stores_nothing_and_says_why(client, catalog):
    response = client.post("/start/create/", plan_data(weekly_hours="1", target_weeks="2"))

    assert response.status_code == 400
    assert "needs at least" in response.content.decode()
    assert not Roadmap.objects.exists()


def test_creating_with_an_unknown_track_goes_back_to_the_start(client, catalog):
    response = client.post("/start/create/", plan_data(track="no-such-track"))

    assert response["Location"] == "/start/"
    assert not Roadmap.objects.exists()


def test_create_takes_only_post(client, catalog):
    assert client.get(f"/start/create/?{plan_query()}").status_code == 405
    assert not Roadmap.objects.exists()


@pytest.mark.parametrize("url", ["/start/", "/start/track/", "/start/skills/", "/start/schedule/", "/start/preview/"])
def test_onboarding_needs_a_login(db, url):
    from django.test import Client

    response = Client().get(url)

    assert response.status_code == 302
    assert response["Location"].startswith("/login/?next=")


def test_a_plan_that_cannot_fit_offers_each_fix_as_a_button_that_previews(client, catalog):
    page = client.get(f"/start/preview/?{plan_query(weekly_hours='1', target_weeks='2')}").content.decode()

    links = re.findall(r'data-testid="plan-fix" href="([^"]+)"', page)
    assert len(links) == 2  # more hours a week; a longer goal
    for link in links:
        response = client.get(html.unescape(link))
        assert response.status_code == 200, response.content.decode()[:500]
        assert "Ends on" in response.content.decode()
