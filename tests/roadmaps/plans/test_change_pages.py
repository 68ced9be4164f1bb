"""The pace, re-plan and catch-up pages: every change is previewed (end before/after, tasks moved)
from the same services that apply it, errors stay beside the field, and a far move is flagged."""

import re
from datetime import UTC, date, datetime

import pytest
import time_machine
from django.test import Client

from roadmaps.models import Milestone, Roadmap, Task
from roadmaps.plans import catchup, changes
from tests.factories import RoleFactory, SkillFactory, UserFactory, make_track

pytestmark = pytest.mark.django_db

START = date(2026, 11, 2)  # a Monday
NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)  # three weeks later, nothing done: behind


@pytest.fixture
def catalog():
    role = RoleFactory(slug="ml-engineer")
    track = make_track(slug="ml-track", milestones_per_phase=(2, 2), hours=10, skills=[SkillFactory()])
    track.roles.add(role)
    last = Milestone.objects.filter(phase__track=track).order_by("phase__order", "order").last()
    last.optional = True
    last.save()
    return last


@pytest.fixture
def roadmap(learner, learner_client, catalog):
    body = {"role": "ml-engineer", "track": "ml-track", "start_date": START.isoformat(), "weekly_hours": 5}
    with time_machine.travel(datetime(2026, 11, 2, 9, 0, tzinfo=UTC), tick=False):
        response = learner_client.post("/api/roadmaps/", body, format="json")
    assert response.status_code == 201, response.json()
    return Roadmap.objects.get(pk=response.json()["id"])


@pytest.fixture(autouse=True)
def frozen_clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def page(learner) -> Client:
    client = Client()
    client.force_login(learner)
    return client


def dates(roadmap) -> list:
    return list(Task.objects.filter(roadmap=roadmap).order_by("id").values_list("start_date", "due_date", "status"))


def api_preview(learner_client, roadmap, **body) -> dict:
    response = learner_client.post(f"/api/roadmaps/{roadmap.id}/replan/", {"preview": True, **body}, format="json")
    assert response.status_code == 200
    return response.json()["change"]


# --- The three-month boundary ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("before", "after", "far"),
    [
        (date(2026, 1, 15), date(2026, 4, 15), False),  # exactly three months later
        (date(2026, 1, 15), date(2026, 4, 16), True),  # one day more
        (date(2026, 11, 30), date(2027, 2, 28), False),  # three months on, at a shorter month's end
        (date(2026, 11, 30), date(2027, 3, 1), True),
        (date(2026, 4, 15), date(2026, 1, 15), False),  # exactly three months earlier
        (date(2026, 4, 15), date(2026, 1, 14), True),
    ],
)
def test_an_end_moving_more_than_three_months_is_far_and_exactly_three_is_not(before, after, far):
    assert changes.moves_far(before, after) is far
    assert changes.ChangePreview(before, after, moved=1).far is far


# --- Pace -------------------------------------------------------------------------------------


def test_the_pace_page_starts_with_the_roadmap_s_pace_and_previews_nothing(page, roadmap):
    response = page.get(f"/roadmaps/{roadmap.id}/pace/")

    assert response.status_code == 200
    assert response.context["form"]["weekly_hours"].value() == 5
    assert b'data-testid="change-preview"' not in response.content


def test_the_pace_preview_shows_the_api_s_change_and_stores_nothing(page, learner_client, roadmap):
    before, pace = dates(roadmap), (roadmap.weekly_hours, roadmap.study_days)

    response = page.get(f"/roadmaps/{roadmap.id}/pace/", {"weekly_hours": "3", "study_days": ["2", "4"]})

    expected = api_preview(learner_client, roadmap, weekly_hours=3, study_days=[2, 4])
    preview = response.context["preview"]
    assert response.status_code == 200
    assert preview.end_before.isoformat() == expected["end_date_before"]
    assert preview.end_after.isoformat() == expected["end_date_after"]
    assert preview.moved == len(expected["moved_tasks"]) > 0
    assert b"Apply this pace" in response.content
    assert dates(roadmap) == before
    roadmap.refresh_from_db()
    assert (roadmap.weekly_hours, roadmap.study_days) == pace


def test_a_pace_moving_the_end_more_than_three_months_shows_a_warning(page, roadmap):
    slow = page.get(f"/roadmaps/{roadmap.id}/pace/", {"weekly_hours": "1", "study_days": ["1"]})
    near = page.get(f"/roadmaps/{roadmap.id}/pace/", {"weekly_hours": "20", "study_days": ["1", "3", "5"]})

    assert slow.context["preview"].far and b'data-testid="far-warning"' in slow.content
    assert not near.context["preview"].far and b'data-testid="far-warning"' not in near.content


def test_applying_a_pace_stores_it_and_moves_the_tasks_as_previewed(page, roadmap):
    preview = page.get(f"/roadmaps/{roadmap.id}/pace/", {"weekly_hours": "8", "study_days": ["6", "7"]})

    response = page.post(f"/roadmaps/{roadmap.id}/pace/", {"weekly_hours": "8", "study_days": ["6", "7"]})

    roadmap.refresh_from_db()
    assert response.status_code == 302 and response["Location"] == f"/roadmaps/{roadmap.id}/dashboard/"
    assert (roadmap.weekly_hours, roadmap.study_days) == (8, [6, 7])
    assert roadmap.end_date == preview.context["preview"].end_after
    assert all(task.start_date.isoweekday() in (6, 7) for task in roadmap.tasks.all())


@pytest.mark.parametrize("method", ["get", "post"])
def test_zero_hours_stays_on_the_page_with_a_human_message_and_a_one_click_fix(page, roadmap, method):
    before = dates(roadmap)

    response = getattr(page, method)(f"/roadmaps/{roadmap.id}/pace/", {"weekly_hours": "0", "study_days": ["1"]})

    assert response.status_code == 400
    assert response.context["form"].errors["weekly_hours"] == ["Choose between 1 and 60 hours a week."]
    assert b'id="id_weekly_hours_error"' in response.content
    assert b"Ensure this value" not in response.content and b"weekly_hours:" not in response.content
    assert response.context["fixes"] == [{"label": "Use 1 hour a week", "query": "weekly_hours=1&study_days=1"}]
    assert dates(roadmap) == before


def test_no_study_day_is_refused_beside_the_field(page, roadmap):
    response = page.post(f"/roadmaps/{roadmap.id}/pace/", {"weekly_hours": "5"})

    assert response.status_code == 400
    assert response.context["form"].errors["study_days"] == ["Choose at least one study day."]


# --- Re-plan from today -----------------------------------------------------------------------


def test_the_replan_page_previews_before_applying(page, learner_client, roadmap):
    before = dates(roadmap)

    response = page.get(f"/roadmaps/{roadmap.id}/replan/")

    expected = api_preview(learner_client, roadmap)
    assert response.status_code == 200
    assert response.context["preview"].end_after.isoformat() == expected["end_date_after"]
    assert response.context["preview"].moved == len(expected["moved_tasks"])
    assert b"Apply the re-plan" in response.content
    assert dates(roadmap) == before


def test_a_bad_pace_posted_to_the_replan_page_is_explained_on_the_page(page, roadmap):
    response = page.post(f"/roadmaps/{roadmap.id}/replan/", {"weekly_hours": "0"})

    assert response.status_code == 400
    assert b"Hours a week: Choose between 1 and 60 hours a week." in response.content
    assert f'href="/roadmaps/{roadmap.id}/pace/"'.encode() in response.content


# --- Catch-up ---------------------------------------------------------------------------------


def test_the_catch_up_page_lists_the_options_as_links_to_their_preview(page, roadmap):
    response = page.get(f"/roadmaps/{roadmap.id}/catch-up/")

    kinds = [option.kind for option in response.context["catch_up"].options]
    assert response.status_code == 200
    assert kinds == ["extend", "add_hours", "drop_optional"]
    for kind in kinds:
        assert f'href="/roadmaps/{roadmap.id}/catch-up/?kind={kind}"'.encode() in response.content


@pytest.mark.parametrize("kind", ["extend", "add_hours", "drop_optional"])
def test_each_catch_up_preview_matches_what_applying_it_does(page, roadmap, kind):
    before = dates(roadmap)

    response = page.get(f"/roadmaps/{roadmap.id}/catch-up/", {"kind": kind})

    preview = response.context["preview"]
    assert response.status_code == 200 and response.context["chosen"].kind == kind
    assert dates(roadmap) == before
    applied = page.post(f"/roadmaps/{roadmap.id}/catch-up/", {"kind": kind})
    roadmap.refresh_from_db()
    assert applied.status_code == 302
    assert roadmap.end_date == preview.end_after
    assert preview.moved == sum(1 for old, new in zip(before, dates(roadmap), strict=True) if old[:2] != new[:2])
    assert preview.skipped == sum(1 for row in dates(roadmap) if row[2] == "skipped")


def test_an_unknown_catch_up_option_is_explained_on_the_page_and_changes_nothing(page, roadmap):
    before = dates(roadmap)

    for response in (
        page.get(f"/roadmaps/{roadmap.id}/catch-up/", {"kind": "teleport"}),
        page.post(f"/roadmaps/{roadmap.id}/catch-up/", {"kind": "teleport"}),
    ):
        assert response.status_code == 400
        assert b"Choose one of the ways back onto your plan listed here." in response.content
        assert response.context["catch_up"].options  # the valid choices are still offered
    assert dates(roadmap) == before


def test_a_learner_on_track_is_told_there_is_nothing_to_catch_up(page, roadmap):
    page.post(f"/roadmaps/{roadmap.id}/replan/")

    response = page.get(f"/roadmaps/{roadmap.id}/catch-up/")
    offered = page.get(f"/roadmaps/{roadmap.id}/catch-up/", {"kind": "extend"})

    assert b'data-testid="not-behind"' in response.content
    assert offered.status_code == 400 and b"not offered any more" in offered.content


def test_catch_up_preview_is_the_service_s(roadmap, learner):
    option, preview = catchup.catch_up_preview(
        roadmap=roadmap, kind="extend", today=date(2026, 11, 23), zone=learner.profile.zone
    )

    assert preview.end_after == option.end_date
    assert preview.end_before == roadmap.end_date


def test_another_learner_s_roadmap_pages_are_404(roadmap):
    stranger = Client()
    stranger.force_login(UserFactory())
    before = dates(roadmap)

    for path in ("pace/", "replan/", "catch-up/"):
        assert stranger.get(f"/roadmaps/{roadmap.id}/{path}").status_code == 404
        body = {"weekly_hours": "9", "study_days": ["1"], "kind": "extend"}
        assert stranger.post(f"/roadmaps/{roadmap.id}/{path}", body).status_code == 404
    assert dates(roadmap) == before


def test_a_pace_too_slow_for_the_planner_offers_the_fewest_hours_that_fit(page, learner_client, roadmap):
    Task.objects.filter(roadmap=roadmap).update(estimated_minutes=200 * 60)
    before = dates(roadmap)

    response = page.get(f"/roadmaps/{roadmap.id}/pace/", {"weekly_hours": "1", "study_days": ["1", "3"]})

    assert response.status_code == 400
    assert "more than 10 years" in response.context["form"].errors["weekly_hours"][0]
    [fix] = response.context["fixes"]
    hours = int(fix["query"].split("&")[0].removeprefix("weekly_hours="))
    assert fix["label"] == f"Use {hours} hours a week"
    fits = learner_client.post(
        f"/api/roadmaps/{roadmap.id}/replan/",
        {"preview": True, "weekly_hours": hours, "study_days": [1, 3]},
        format="json",
    )
    one_less = learner_client.post(
        f"/api/roadmaps/{roadmap.id}/replan/",
        {"preview": True, "weekly_hours": hours - 1, "study_days": [1, 3]},
        format="json",
    )
    assert (fits.status_code, one_less.status_code) == (200, 400)
    assert page.get(f"/roadmaps/{roadmap.id}/pace/?{fix['query']}").status_code == 200
    assert dates(roadmap) == before


# --- Pace: the day the re-plan starts from ----------------------------------------------------


def test_the_pace_page_starts_the_re_plan_from_today_by_default_as_the_api_does(page, learner_client, roadmap):
    shown = page.get(f"/roadmaps/{roadmap.id}/pace/")
    response = page.get(f"/roadmaps/{roadmap.id}/pace/", {"weekly_hours": "3", "study_days": ["2"], "from_date": ""})

    assert shown.context["form"]["from_date"].value() == date(2026, 11, 23)
    assert response.context["form"].cleaned_data["from_date"] == date(2026, 11, 23)
    field = re.search(rb'<input type="date" name="from_date"[^>]*>', response.content).group()
    assert b'value="2026-11-23"' in field  # the preview's field shows the day it used
    expected = api_preview(learner_client, roadmap, weekly_hours=3, study_days=[2])
    assert response.context["preview"].end_after.isoformat() == expected["end_date_after"]


@pytest.mark.parametrize("day", ["2026-11-02", "2026-12-07", "2027-11-24"])  # the start, later, a year + a day
def test_the_pace_preview_re_plans_from_the_chosen_day_as_the_api_does(page, learner_client, roadmap, day):
    before = dates(roadmap)

    response = page.get(
        f"/roadmaps/{roadmap.id}/pace/", {"weekly_hours": "4", "study_days": ["2", "4"], "from_date": day}
    )

    expected = api_preview(learner_client, roadmap, weekly_hours=4, study_days=[2, 4], from_date=day)
    assert response.status_code == 200
    assert response.context["preview"].end_after.isoformat() == expected["end_date_after"]
    assert response.context["preview"].moved == len(expected["moved_tasks"])
    assert f'<input type="hidden" name="from_date" value="{day}">'.encode() in response.content
    assert dates(roadmap) == before


def test_applying_a_pace_from_a_chosen_day_moves_every_unfinished_task_on_or_after_it(page, roadmap):
    body = {"weekly_hours": "6", "study_days": ["1", "3"], "from_date": "2026-12-09"}
    preview = page.get(f"/roadmaps/{roadmap.id}/pace/", body).context["preview"]

    response = page.post(f"/roadmaps/{roadmap.id}/pace/", body)

    roadmap.refresh_from_db()
    assert response.status_code == 302
    assert roadmap.end_date == preview.end_after
    assert min(task.start_date for task in roadmap.tasks.all()) >= date(2026, 12, 9)


@pytest.mark.parametrize("method", ["get", "post"])
@pytest.mark.parametrize(
    ("day", "message"),
    [
        ("2026-11-01", "Re-plan from a date on or after the roadmap's start date (2 November 2026)."),
        ("2027-11-25", "Re-plan from a date within a year of today (by 24 November 2027)."),
        ("next week", "Write the date as year-month-day, such as 2027-01-31."),
    ],
)
def test_a_bad_re_plan_day_is_refused_beside_the_field_and_changes_nothing(
    page, learner_client, roadmap, method, day, message
):
    before = dates(roadmap)
    body = {"weekly_hours": "4", "study_days": ["2"], "from_date": day}

    response = getattr(page, method)(f"/roadmaps/{roadmap.id}/pace/", body)

    assert response.status_code == 400
    assert response.context["form"].errors == {"from_date": [message]}
    assert b'id="id_from_date_error"' in response.content
    assert response.context["preview"] is None
    assert dates(roadmap) == before
    if day[0].isdigit():  # the API refuses the same days, naming the same field
        api = learner_client.post(
            f"/api/roadmaps/{roadmap.id}/replan/", {"preview": True, "from_date": day}, format="json"
        )
        assert api.status_code == 400 and list(api.json()) == ["from_date"]


# --- Pace: keep my end date -------------------------------------------------------------------


NEAR_QUERIES = 6  # the same whatever the pace asked; the session comes from the cache


def api_end(learner_client, roadmap, **body):
    response = learner_client.post(f"/api/roadmaps/{roadmap.id}/replan/", {"preview": True, **body}, format="json")
    return date.fromisoformat(response.json()["change"]["end_date_after"]) if response.status_code == 200 else None


def test_a_far_later_end_offers_the_fewest_hours_that_keep_the_end_date(page, learner_client, roadmap):
    end = roadmap.end_date

    response = page.get(f"/roadmaps/{roadmap.id}/pace/", {"weekly_hours": "1", "study_days": ["1"]})

    assert response.context["preview"].far and response.context["preview"].days_later > 0
    keep = response.context["keep_end"]["hours"]
    assert keep > 1
    assert api_end(learner_client, roadmap, weekly_hours=keep, study_days=[1]) <= end
    slower = api_end(learner_client, roadmap, weekly_hours=keep - 1, study_days=[1])
    assert slower is None or slower > end
    assert b'data-testid="keep-end-link"' in response.content
    assert f"Keep my end date: preview {keep} hours a week".encode() in response.content


def test_keep_my_end_date_is_previewed_before_it_is_applied(page, roadmap):
    end, before = roadmap.end_date, dates(roadmap)
    far = page.get(
        f"/roadmaps/{roadmap.id}/pace/", {"weekly_hours": "1", "study_days": ["1"], "from_date": "2026-11-30"}
    )
    keep = far.context["keep_end"]

    preview = page.get(f"/roadmaps/{roadmap.id}/pace/?{keep['query']}")

    assert preview.status_code == 200
    assert preview.context["form"].cleaned_data == {
        "weekly_hours": keep["hours"],
        "study_days": [1],
        "from_date": date(2026, 11, 30),
    }
    assert preview.context["preview"].end_after <= end and not preview.context["preview"].far
    assert preview.context["keep_end"] is None and b'data-testid="keep-end"' not in preview.content
    assert dates(roadmap) == before

    page.post(
        f"/roadmaps/{roadmap.id}/pace/", {"weekly_hours": keep["hours"], "study_days": ["1"], "from_date": "2026-11-30"}
    )

    roadmap.refresh_from_db()
    assert roadmap.weekly_hours == keep["hours"] and roadmap.end_date == preview.context["preview"].end_after <= end


def test_a_far_earlier_end_offers_the_fewer_hours_that_still_keep_the_end_date(page, learner_client, roadmap):
    Roadmap.objects.filter(pk=roadmap.pk).update(end_date=date(2027, 12, 31))
    roadmap.refresh_from_db()

    response = page.get(
        f"/roadmaps/{roadmap.id}/pace/", {"weekly_hours": "40", "study_days": ["1", "2", "3", "4", "5"]}
    )

    assert response.context["preview"].far and response.context["preview"].days_later < 0
    keep = response.context["keep_end"]["hours"]
    assert 1 <= keep < 40
    assert api_end(learner_client, roadmap, weekly_hours=keep, study_days=[1, 2, 3, 4, 5]) <= date(2027, 12, 31)
    if keep > 1:
        assert api_end(learner_client, roadmap, weekly_hours=keep - 1, study_days=[1, 2, 3, 4, 5]) > date(2027, 12, 31)


def test_a_near_end_offers_no_alternative(page, roadmap):
    response = page.get(f"/roadmaps/{roadmap.id}/pace/", {"weekly_hours": "20", "study_days": ["1", "3", "5"]})

    assert not response.context["preview"].far
    assert response.context["keep_end"] is None and b'data-testid="keep-end"' not in response.content


def test_when_no_pace_keeps_the_end_the_page_says_so(page, roadmap):
    response = page.get(
        f"/roadmaps/{roadmap.id}/pace/", {"weekly_hours": "5", "study_days": ["1"], "from_date": "2027-11-20"}
    )

    assert response.context["preview"].far
    assert response.context["keep_end"] == {"hours": None, "query": "", "max": 60}
    assert b"No pace up to 60 hours a week keeps the end on" in response.content
    assert b'data-testid="keep-end-link"' not in response.content


def test_the_pace_preview_costs_a_fixed_number_of_queries_and_the_keep_end_offer_one_more(
    page, roadmap, django_assert_num_queries
):
    near = {"weekly_hours": "20", "study_days": ["1", "3", "5"]}
    far = {"weekly_hours": "1", "study_days": ["1"]}
    page.get(f"/roadmaps/{roadmap.id}/pace/", near)  # the session's first read

    with django_assert_num_queries(NEAR_QUERIES):
        page.get(f"/roadmaps/{roadmap.id}/pace/", near)
    with django_assert_num_queries(NEAR_QUERIES + 1):
        page.get(f"/roadmaps/{roadmap.id}/pace/", far)
