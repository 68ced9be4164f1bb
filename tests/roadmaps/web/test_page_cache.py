"""The dashboard served from the cache: the second view costs two queries, and no change is ever missed."""

import re
from contextlib import contextmanager
from datetime import timedelta

import pytest
import time_machine
from django.contrib import messages
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.test import Client
from rest_framework.test import APIClient

from roadmaps.catalog.services import catalog_changed
from roadmaps.models import Role, Task
from roadmaps.web import page_cache
from tests.factories import UserFactory, token_for
from tests.roadmaps.web.pages_data import NOW, TODAY, make_roadmap, page_catalog

pytestmark = pytest.mark.django_db

# The user with the profile (today's date and the language), as on any signed-in page
# (accounts/backends.py); the session is read from the cache.
HIT_QUERIES = 1


@pytest.fixture(autouse=True)
def frozen_clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def learner(db):
    return UserFactory()


@pytest.fixture
def roadmap(learner):
    # 20 tasks, one a day from 2 Nov; today is 18 Nov: 17 due, none done, so behind.
    return make_roadmap(learner, tasks=20)


@pytest.fixture
def page(client, learner):
    client.force_login(learner)
    return client


def is_from_cache(response) -> bool:
    """No template was rendered for this answer."""
    return response.status_code == 200 and not response.templates


def percent_complete(response) -> str:
    return re.search(r'data-testid="percent-complete">([^<]+)<', response.content.decode()).group(1)


def without_tokens(response) -> str:
    """The page but its CSRF tokens: each answer masks them anew."""
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.content.decode())


def viewed_twice(page, path="/dashboard/"):
    first = page.get(path)
    second = page.get(path)
    assert not is_from_cache(first) and is_from_cache(second)
    return second


def test_a_second_view_is_the_same_page_served_from_the_cache_in_one_query(page, roadmap, django_assert_num_queries):
    first = page.get("/dashboard/")

    with django_assert_num_queries(HIT_QUERIES):
        second = page.get("/dashboard/")

    assert not is_from_cache(first) and is_from_cache(second)
    assert without_tokens(second) == without_tokens(first)
    assert second["Content-Type"] == first["Content-Type"] == "text/html; charset=utf-8"


def test_a_view_from_the_cache_asks_the_cache_once_and_writes_nothing(page, roadmap):
    page.get("/dashboard/")

    with cache_calls() as calls:
        second = page.get("/dashboard/")

    # The session, then the page and its versions together.
    assert is_from_cache(second) and calls == ["get", "get_many"]


@contextmanager
def cache_calls():
    """The names of the cache's methods called meanwhile, in order."""
    calls = []
    names = ("get", "get_many", "set", "set_many", "add", "delete")

    def spy(name):
        original = getattr(cache, name)
        return lambda *args, **kwargs: calls.append(name) or original(*args, **kwargs)

    for name in names:
        setattr(cache, name, spy(name))  # on this thread's cache object, in front of its methods
    try:
        yield calls
    finally:
        for name in names:
            delattr(cache, name)


def test_the_dashboard_of_a_chosen_roadmap_is_kept_apart_from_the_plain_one(page, learner, roadmap):
    other = make_roadmap(learner, tasks=3, role__name="Data Analyst")
    viewed_twice(page)

    chosen = page.get(f"/roadmaps/{other.id}/dashboard/")

    assert not is_from_cache(chosen)
    assert "<h1>Data Analyst</h1>" in chosen.content.decode()
    assert is_from_cache(page.get(f"/roadmaps/{other.id}/dashboard/"))


def test_ticking_a_task_with_the_page_form_shows_on_the_next_dashboard(page, roadmap):
    before = viewed_twice(page)
    task = roadmap.tasks.get(sequence=0)

    page.post(f"/tasks/{task.id}/status/", {"status": "done"}, follow=True)  # the message is shown there
    after = page.get("/dashboard/")

    assert (percent_complete(before), percent_complete(after)) == ("0.0%", "5.0%")


def test_ticking_a_task_through_the_api_with_a_token_shows_on_the_next_dashboard(page, learner, roadmap):
    # The token's user is set by DRF on the Django request: the middleware sees who wrote.
    viewed_twice(page)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token_for(learner)}")

    response = api.patch(f"/api/tasks/{roadmap.tasks.get(sequence=0).id}/", {"status": "done"}, format="json")
    after = page.get("/dashboard/")

    assert response.status_code == 200
    assert not is_from_cache(after) and percent_complete(after) == "5.0%"


def test_a_replan_from_today_shows_on_the_next_dashboard(page, roadmap):
    assert "Overdue (16)" in viewed_twice(page).content.decode()

    page.post(f"/roadmaps/{roadmap.id}/replan/")
    page.get(f"/roadmaps/{roadmap.id}/dashboard/")  # where the replan sends the learner, with its message
    after = page.get("/dashboard/").content.decode()

    assert "Overdue" not in after


def test_a_catch_up_shows_on_the_next_dashboard(page, roadmap):
    before = viewed_twice(page).content.decode()
    assert 'data-testid="catch-up"' in before

    response = page.post(f"/roadmaps/{roadmap.id}/catch-up/", {"kind": "extend"}, follow=True)
    after = page.get("/dashboard/").content.decode()

    assert response.status_code == 200
    assert 'data-testid="catch-up"' not in after


def test_a_new_study_time_shows_on_the_next_dashboard(page, learner, roadmap):
    viewed_twice(page)
    form = {
        "name": learner.name,
        "background": "software_engineer",
        "timezone": "UTC",
        "weekly_hours": "10",
        "study_days": ["1", "2", "3", "4", "5"],
        "nudge_weekday": "1",
        "nudge_hour": "8",
        "study_time": "06:15",
    }

    assert page.post("/settings/", form).status_code == 302
    page.get("/settings/")  # shows "Your settings are saved."
    after = page.get("/dashboard/").content.decode()

    assert "06:15–08:15 · 120 minutes" in after


def test_a_time_zone_where_it_is_already_tomorrow_shows_tomorrow(page, learner, roadmap):
    # 12:00 UTC on Wednesday 18 Nov is 02:00 on Thursday 19 Nov in Kiritimati (UTC+14).
    assert "Wednesday 18 November" in viewed_twice(page).content.decode()

    learner.profile.timezone = "Pacific/Kiritimati"
    learner.profile.save()  # a change no request of the learner's made: the date alone moves the key
    after = page.get("/dashboard/").content.decode()

    assert "Thursday 19 November" in after


def test_choosing_another_language_shows_the_dashboard_in_it(page, roadmap):
    viewed_twice(page)

    page.post("/language/", {"language": "fr", "next": "/dashboard/"})
    after = page.get("/dashboard/").content.decode()

    assert '<html lang="fr">' in after and "Progression" in after


def test_a_new_roadmap_shows_in_the_switcher_of_the_next_dashboard(page, learner, roadmap):
    page_catalog()
    assert 'data-testid="roadmap-switcher"' not in viewed_twice(page).content.decode()
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token_for(learner)}")

    body = {"role": "ml-engineer", "track": "ml-track", "start_date": TODAY.isoformat(), "weekly_hours": 10}
    created = api.post("/api/roadmaps/", body, format="json")
    assert created.status_code == 201, created.json()
    after = page.get("/dashboard/").content.decode()

    assert 'data-testid="roadmap-switcher"' in after and "Machine Learning Engineer" in after


def test_a_deleted_roadmap_leaves_the_dashboard(page, learner, roadmap):
    viewed_twice(page)

    page.post(f"/roadmaps/{roadmap.id}/delete/", follow=True)  # back on the dashboard, with its message
    after = page.get("/dashboard/").content.decode()

    assert "no roadmap yet" in after


def test_an_admin_edit_of_the_learners_roadmap_shows_on_the_next_dashboard(page, learner, roadmap):
    viewed_twice(page)
    staff = Client()
    staff.force_login(UserFactory(is_staff=True, is_superuser=True))
    change = f"/admin/roadmaps/roadmap/{roadmap.id}/change/"

    response = staff.post(change, {**admin_form_data(staff.get(change)), "status": "archived"})
    after = page.get("/dashboard/").content.decode()

    assert response.status_code == 302
    assert '<span class="badge">Archived</span>' in after


def test_a_catalog_change_shows_on_every_dashboard(page, roadmap):
    viewed_twice(page)

    Role.objects.filter(pk=roadmap.role_id).update(name="Renamed Role")
    catalog_changed()  # what the loader and the catalog's admin call
    after = page.get("/dashboard/").content.decode()

    assert "<h1>Renamed Role</h1>" in after


def test_the_next_day_shows_the_next_day(page, roadmap, frozen_clock):
    assert "Overdue (16)" in viewed_twice(page).content.decode()

    frozen_clock.shift(timedelta(days=1))
    after = page.get("/dashboard/").content.decode()

    assert "Overdue (17)" in after


def test_a_learner_never_gets_another_learners_page(page, roadmap):
    other = UserFactory()
    make_roadmap(other, tasks=5, role__name="Someone Else's Role")
    viewed_twice(page)
    other_page = Client()
    other_page.force_login(other)

    theirs = [other_page.get("/dashboard/").content.decode() for _ in range(2)]

    for content in theirs:
        assert "Someone Else&#x27;s Role" in content
        assert roadmap.role.name not in content


def test_waiting_messages_are_shown_once_and_that_page_is_not_kept(page, roadmap):
    cached = viewed_twice(page)
    page.cookies["messages"] = waiting_message_cookie("Saved in another tab.")

    with_message = page.get("/dashboard/")
    next_view = page.get("/dashboard/")

    assert not is_from_cache(with_message) and "Saved in another tab." in with_message.content.decode()
    assert is_from_cache(next_view) and without_tokens(next_view) == without_tokens(cached)


def csrf_tokens(response) -> list[str]:
    return re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', response.content.decode())


def tick_first_task(browser, roadmap, token):
    task = Task.objects.filter(roadmap=roadmap).order_by("sequence").first()
    response = browser.post(f"/tasks/{task.id}/status/", {"status": "done", "csrfmiddlewaretoken": token})
    task.refresh_from_db()
    return response, task


def test_the_csrf_token_of_a_cached_page_is_accepted(learner, roadmap):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(learner)
    cached = viewed_twice(browser)

    response, task = tick_first_task(browser, roadmap, csrf_tokens(cached)[0])

    assert response.status_code == 302 and task.status == "done"


def test_each_answer_from_the_cache_masks_the_token_anew(page, roadmap):
    first, second = page.get("/dashboard/"), page.get("/dashboard/")
    third = page.get("/dashboard/")

    assert is_from_cache(second) and is_from_cache(third)
    assert len(csrf_tokens(second)) == len(csrf_tokens(first)) > 1
    assert set(csrf_tokens(second)).isdisjoint(csrf_tokens(third))
    assert "\x00" not in second.content.decode()


def test_a_client_without_the_csrf_cookie_gets_the_cached_page_and_a_cookie_for_its_token(learner, roadmap):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(learner)
    browser.get("/dashboard/")
    browser.cookies.pop("csrftoken")

    cached = browser.get("/dashboard/")
    response, task = tick_first_task(browser, roadmap, csrf_tokens(cached)[0])

    assert is_from_cache(cached) and "csrftoken" in cached.cookies
    assert response.status_code == 302 and task.status == "done"


def test_a_query_string_is_rendered_every_time(page, roadmap):
    viewed_twice(page)

    assert not is_from_cache(page.get("/dashboard/?utm=mail"))
    assert not is_from_cache(page.get("/dashboard/?utm=mail"))


def test_without_a_shared_cache_the_dashboard_is_rendered_every_time(page, roadmap, settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.db"

    views = [page.get("/dashboard/") for _ in range(3)]

    assert [is_from_cache(view) for view in views] == [False, False, False]


@pytest.mark.parametrize(
    "deployed",
    ["roadmaps/templates/page.html", "roadmaps/static/roadmaps/app.css", "locale/fr/LC_MESSAGES/django.mo"],
)
def test_the_build_id_follows_the_code_templates_static_files_and_translations(tmp_path, settings, deployed):
    changed = tmp_path / deployed
    changed.parent.mkdir(parents=True)
    changed.write_text("one")
    (tmp_path / "planner").mkdir()
    (tmp_path / "planner" / "scheduling.py").write_text("unchanged")
    settings.BASE_DIR = tmp_path
    before = page_cache.build_id.__wrapped__()

    changed.write_text("two, longer")

    assert page_cache.build_id.__wrapped__() != before


def waiting_message_cookie(text: str) -> str:
    """The messages cookie a redirect of another request would have left."""
    storage = CookieStorage(HttpRequest())
    storage.add(messages.SUCCESS, text)
    response = HttpResponse()
    storage.update(response)
    return response.cookies["messages"].value


def admin_form_data(response) -> dict:
    """What the admin's change form would post back unchanged: the main form and each inline's."""
    data = {}
    forms = [response.context["adminform"].form]
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        data.update({f"{formset.prefix}-{name}": value for name, value in formset.management_form.initial.items()})
        forms.extend(formset.forms)
    for form in forms:
        for name in form.fields:
            value = form[name].value()
            if value is not None:
                data[form.add_prefix(name)] = value
    return data
