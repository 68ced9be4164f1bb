"""The public progress page: no login, only what the learner chose to show, gone at once when turned off."""

from datetime import UTC, datetime

import pytest
import time_machine
from django.test import Client

from roadmaps.milestones import services as milestone_services
from roadmaps.models import Roadmap
from roadmaps.portfolio import services
from tests.factories import UserFactory
from tests.roadmaps.milestones.data import make_catalog, make_roadmap

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 16, 12, 0, tzinfo=UTC)
EVIDENCE = "https://github.com/ada/churn-model"


@pytest.fixture(autouse=True)
def frozen_clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def owner():
    return UserFactory(name="Ada Lovelace", email="ada.private@example.com")


@pytest.fixture
def roadmap(owner):
    roadmap = make_roadmap(owner, *make_catalog())
    first, second = roadmap.milestones.order_by("sequence")[:2]
    milestone_services.milestone_update(milestone=first, status="done", evidence_url=EVIDENCE, note="secret", now=NOW)
    milestone_services.milestone_update(milestone=second, note="private thoughts", now=NOW)
    return roadmap


def path_of(url: str) -> str:
    return "/" + url.split("/", 3)[3]


def public_path(owner, **options) -> str:
    return path_of(services.portfolio_url(services.portfolio_set(user=owner, public=True, **options)))


def test_the_page_opens_without_login_and_shows_name_roles_progress_and_evidence(owner, roadmap):
    response = Client().get(public_path(owner))

    assert response.status_code == 200
    html = response.content.decode()
    assert "Ada Lovelace" in html
    assert "Machine Learning Engineer" in html
    first = roadmap.milestones.order_by("sequence").first()
    assert first.title in html
    assert f'href="{EVIDENCE}" rel="nofollow ugc noopener"' in html
    assert "1 of 3 milestones completed" in html


def test_the_page_never_shows_the_email_or_notes(owner, roadmap):
    html = Client().get(public_path(owner)).content.decode()

    assert "ada.private@example.com" not in html
    assert "secret" not in html
    assert "private thoughts" not in html


def test_a_learner_without_a_name_is_shown_without_their_email(roadmap, owner):
    owner.name = ""
    owner.save()

    html = Client().get(public_path(owner)).content.decode()

    assert "A learner" in html
    assert "ada.private" not in html


def test_the_page_asks_search_engines_not_to_index_it_by_default(owner, roadmap):
    response = Client().get(public_path(owner))

    assert response["X-Robots-Tag"] == "noindex, nofollow"
    assert '<meta name="robots" content="noindex, nofollow">' in response.content.decode()


def test_a_learner_who_opts_in_can_be_indexed(owner, roadmap):
    response = Client().get(public_path(owner, discoverable=True))

    assert "X-Robots-Tag" not in response
    assert 'name="robots"' not in response.content.decode()


def test_the_page_carries_open_graph_tags(owner, roadmap, settings):
    settings.SITE_URL = "https://planner.example.org"
    path = public_path(owner)

    html = Client().get(path).content.decode()

    assert '<meta property="og:title" content="Ada Lovelace: learning progress">' in html
    assert f'<meta property="og:url" content="https://planner.example.org{path}">' in html
    assert (
        '<meta property="og:description" content="Working toward Machine Learning Engineer: 1 milestone completed.">'
        in html
    )


def test_the_secret_address_is_not_sent_to_the_sites_linked_from_it(owner, roadmap):
    response = Client().get(public_path(owner))

    assert response["Referrer-Policy"] == "no-referrer"
    assert response["Cache-Control"] == "no-store"


def test_turning_the_page_off_makes_its_address_answer_404_at_once(owner, roadmap):
    path = public_path(owner)
    assert Client().get(path).status_code == 200

    services.portfolio_set(user=owner, public=False)

    assert Client().get(path).status_code == 404


def test_an_address_once_revoked_stays_dead_when_the_page_is_turned_on_again(owner, roadmap):
    old = public_path(owner)
    services.portfolio_set(user=owner, public=False)

    new = public_path(owner)

    assert new != old
    assert Client().get(old).status_code == 404
    assert Client().get(new).status_code == 200


@pytest.mark.parametrize("token", ["x", "not-a-token", "A" * 43, "../../admin"])
def test_unknown_tokens_answer_404(token, roadmap, owner):
    public_path(owner)

    assert Client().get(f"/p/{token}/").status_code == 404


def test_archived_roadmaps_are_not_shown(owner, roadmap):
    Roadmap.objects.filter(pk=roadmap.pk).update(status=Roadmap.Status.ARCHIVED)

    html = Client().get(public_path(owner)).content.decode()

    assert EVIDENCE not in html


def test_a_deactivated_account_has_no_page(owner, roadmap):
    path = public_path(owner)
    owner.is_active = False
    owner.save()

    assert Client().get(path).status_code == 404


def test_the_page_takes_the_same_queries_for_one_or_many_milestones(owner, django_assert_max_num_queries):
    from tests.factories import RoleFactory, make_track

    role = RoleFactory(slug="ml-engineer", name="Machine Learning Engineer")
    small = make_track(slug="small", milestones_per_phase=(1,), hours=10)
    big = make_track(slug="big", milestones_per_phase=(20, 20, 20), hours=5, weeks_per_phase=20)
    small.roles.add(role)
    big.roles.add(role)
    other = UserFactory(name="Grace")
    make_roadmap(owner, role, small)
    big_roadmap = make_roadmap(other, role, big)
    for milestone in big_roadmap.milestones.all()[:30]:
        milestone_services.milestone_update(milestone=milestone, status="done", evidence_url=EVIDENCE, now=NOW)

    def count(user):
        path = public_path(user)
        with django_assert_max_num_queries(1000) as captured:
            assert Client().get(path).status_code == 200
        return len(captured.captured_queries)

    assert count(owner) == count(other)
