"""A learner's way through the pages in a real Chromium: sign-up to a subscribed calendar."""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta

import icalendar
import pytest
from django.db.models import F
from django.utils import timezone
from playwright.sync_api import expect

from accounts.models import Profile, User
from roadmaps.catalog import selectors as catalog_selectors
from roadmaps.models import Roadmap, Role, Track
from roadmaps.plans import services
from roadmaps.web.page_versions import learner_pages_changed
from tests.browser.conftest import ARTIFACTS, log_in
from tests.factories import UserFactory

pytestmark = pytest.mark.browser

PASSWORD = "a-Long-passphrase-42"


def a_track_with_its_role() -> tuple[Track, Role]:
    """The seeds' 6-month zero-experience plan, toward the role it was written for."""
    return Track.objects.get(slug="zero-experience-6-months"), Role.objects.get(
        slug="ml-engineer", tracks__slug="zero-experience-6-months"
    )


def roadmap_for(user, *, weeks_ago: int = 3) -> Roadmap:
    """A roadmap started ``weeks_ago`` weeks back, with enough weekly hours to fit."""
    track, role = a_track_with_its_role()
    today = user.profile.local_today(timezone.now())
    inputs = {
        "role": role,
        "track": catalog_selectors.tracks_with_milestones().get(pk=track.pk),
        "start_date": today - timedelta(weeks=weeks_ago),
        "study_days": [1, 2, 3, 4, 5, 6, 7],
        "known_skills": [],
    }
    try:
        return services.roadmap_create(user=user, inputs=services.PlanInputs(weekly_hours=10, **inputs))
    except services.PlanRejected as error:
        hours = error.required_weekly_hours
        return services.roadmap_create(user=user, inputs=services.PlanInputs(weekly_hours=hours, **inputs))


def percent_complete(page) -> float:
    return float(page.get_by_test_id("percent-complete").inner_text().rstrip("%"))


def test_a_learner_signs_up_plans_a_roadmap_ticks_a_task_and_replans(page, catalog):
    track, role = a_track_with_its_role()
    phase_count = track.phases.count()

    # Sign up; the page's script picks the browser's time zone.
    page.goto("/")
    page.get_by_role("link", name="Sign up", exact=True).first.click()
    page.get_by_label("E-mail address").fill("ada@example.com")
    page.get_by_label("Name").fill("Ada")
    page.get_by_label("Password").fill(PASSWORD)
    expect(page.get_by_label("Time zone")).to_have_value("Europe/Paris")
    page.get_by_role("button", name="Sign up").click()

    # Onboarding: role, track, skills.
    expect(page.get_by_role("heading", level=1)).to_have_text("Which role are you aiming for?")
    page.get_by_label(role.name, exact=True).check()
    page.get_by_role("button", name="Next: choose a track").click()
    page.get_by_label(track.name, exact=True).check()
    expect(page.get_by_text(track.audience).first).to_be_visible()
    page.get_by_role("button", name="Next: what you know").click()
    page.get_by_role("button", name="Next: your schedule").click()

    # Schedule: too few hours first, and the page says how many are needed.
    # A week back: the earliest start date allowed, so work is overdue from the start.
    start = timezone.localdate(timezone=Profile(timezone="Europe/Paris").zone) - timedelta(weeks=1)
    page.get_by_label("Hours a week").fill("1")
    page.get_by_label("Start date").fill(start.isoformat())
    page.get_by_role("button", name="Preview my plan").click()
    refusal = page.locator("#id_weekly_hours_error")
    expect(refusal).to_contain_text("needs at least")
    needed = re.search(r"needs at least (\d+)", refusal.inner_text()).group(1)
    assert not Roadmap.objects.exists()

    page.get_by_label("Hours a week").fill(needed)
    page.get_by_role("button", name="Preview my plan").click()

    # The preview: every phase with dates and hours a week, and the end date.
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Your {role.name} plan")
    expect(page.locator("table.data-table tbody tr")).to_have_count(phase_count)
    expect(page.get_by_text("Ends on")).to_be_visible()
    assert not Roadmap.objects.exists()
    page.get_by_role("button", name="Create my roadmap").click()

    # The dashboard of the new roadmap.
    expect(page.get_by_text(f"Your {role.name} roadmap is ready.")).to_be_visible()
    roadmap = Roadmap.objects.get(user__email="ada@example.com")
    assert roadmap.start_date == start
    assert roadmap.weekly_hours == int(needed)
    before = percent_complete(page)

    # One click marks a task done and the progress moves.
    first_done_button = page.get_by_role("button", name=re.compile(r"^Mark done: ")).first
    first_done_button.click()
    expect(page.get_by_text(re.compile(r"is now done\.$"))).to_be_visible()
    assert percent_complete(page) > before
    assert roadmap.tasks.filter(status="done").count() == 1

    # Three weeks in (the plan moved two more weeks into the past) with one task done:
    # overdue work, and re-planning clears it.
    two_weeks = timedelta(weeks=2)
    roadmap.tasks.update(start_date=F("start_date") - two_weeks, due_date=F("due_date") - two_weeks)
    Roadmap.objects.filter(pk=roadmap.pk).update(start_date=start - two_weeks, end_date=F("end_date") - two_weeks)
    # Rows changed behind the application's back: what such a change must do for the cached dashboard.
    learner_pages_changed(user_id=roadmap.user_id)
    page.reload()
    expect(page.get_by_role("heading", name=re.compile(r"^Overdue"))).to_be_visible()
    page.get_by_role("link", name="Re-plan from today").click()
    # The preview comes first: nothing moved yet.
    expect(page.get_by_role("heading", level=1)).to_have_text("Re-plan from today")
    roadmap.refresh_from_db()
    expect(page.get_by_test_id("end-before")).to_have_text(f"{roadmap.end_date:%-d %B %Y}")
    assert int(page.get_by_test_id("tasks-moved").inner_text()) > 0
    assert roadmap.tasks.exclude(status="done").filter(start_date__lt=start).exists()
    page.get_by_role("button", name="Apply the re-plan").click()
    expect(page.get_by_text(re.compile(r"^Re-planned from"))).to_be_visible()
    expect(page.get_by_role("heading", name=re.compile(r"^Overdue"))).to_have_count(0)
    today = timezone.localdate(timezone=Profile(timezone="Europe/Paris").zone)
    assert not roadmap.tasks.exclude(status="done").filter(start_date__lt=today).exists()

    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "dashboard-desktop.png"), full_page=True)
    assert page.csp_errors == []


def test_a_learner_subscribes_to_the_calendar_feed_then_rotates_and_revokes_it(page, site, catalog):
    learner = UserFactory(email="ada@example.com")
    roadmap = roadmap_for(learner)
    log_in(page, site, learner)

    page.goto("/calendar/")
    page.get_by_role("button", name="Make my calendar link").click()
    feed_url = page.get_by_label("Your private calendar link").input_value()
    assert feed_url.startswith(f"{site.url}/calendar/") and feed_url.endswith(".ics")
    webcal = page.get_by_test_id("webcal-link")
    expect(webcal).to_have_attribute("href", "webcal://" + feed_url.split("://", 1)[1])

    # The copy button (shown by the script) puts the link on the clipboard.
    page.get_by_role("button", name="Copy link").click()
    expect(page.get_by_text("Link copied.")).to_be_visible()
    assert page.evaluate("navigator.clipboard.readText()") == feed_url

    # The link answers a valid calendar with every task of the roadmap as timed study sessions.
    answer = page.request.get(feed_url)
    assert answer.status == 200
    assert answer.headers["content-type"].startswith("text/calendar")
    calendar = icalendar.Calendar.from_ical(answer.body())
    sessions = [event for event in calendar.walk("VEVENT") if str(event["UID"]).startswith("session-")]
    assert {task.title for task in roadmap.tasks.all()} <= {str(event["SUMMARY"]) for event in sessions}
    assert all(isinstance(event["DTSTART"].dt, datetime) for event in sessions)

    # A new link kills the old one, once the learner says yes on the page that asks.
    page.get_by_role("link", name="Make a new link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Make a new calendar link?")
    page.get_by_role("button", name="Yes, make a new link").click()
    expect(page.get_by_text("You have a new calendar link.")).to_be_visible()
    new_url = page.get_by_label("Your private calendar link").input_value()
    assert new_url != feed_url
    assert page.request.get(feed_url).status == 404
    assert page.request.get(new_url).status == 200

    # Turning it off kills it too, and the page offers to make one again.
    page.get_by_role("link", name="Turn the link off").click()
    page.get_by_role("button", name="Yes, turn the link off").click()
    expect(page.get_by_role("button", name="Make my calendar link")).to_be_visible()
    assert page.request.get(new_url).status == 404
    assert page.csp_errors == []


def test_a_learner_changes_settings_and_turns_the_weekly_email_off(page, site, catalog):
    learner = UserFactory(email="ada@example.com")
    roadmap_for(learner)
    log_in(page, site, learner)

    page.goto("/settings/")
    expect(page.get_by_test_id("nudge-state")).to_contain_text("Weekly e-mails are on")
    page.get_by_label("Time zone").select_option("Asia/Tokyo")
    page.get_by_label("Hours a week").fill("12")
    page.get_by_role("group", name="Study days").get_by_label("Friday").uncheck()
    page.get_by_label("Send me a weekly e-mail with the week's tasks").uncheck()
    page.get_by_label("Day of the e-mail").select_option(label="Wednesday")
    page.get_by_label("Time of the e-mail").select_option(label="18:00")
    # A time the browser's own control cannot hold is refused beside the field (no JavaScript needed).
    page.get_by_label("Study sessions start at").evaluate("input => { input.type = 'text'; input.value = '7pm'; }")
    page.get_by_role("button", name="Save settings").click()
    expect(page.locator("#id_study_time_error")).to_have_text("Write the time as hours and minutes, such as 19:00.")
    assert User.objects.get(pk=learner.pk).profile.timezone != "Asia/Tokyo"
    page.get_by_label("Study sessions start at").fill("07:30")
    page.get_by_label("Send me a weekly e-mail with the week's tasks").uncheck()
    page.get_by_label("In my calendar, show each study day as one all-day event").check()
    page.get_by_role("button", name="Save settings").click()

    expect(page.get_by_text("Your settings are saved.")).to_be_visible()
    expect(page.get_by_test_id("nudge-state")).to_contain_text("Weekly e-mails are off")
    expect(page.get_by_label("Time zone")).to_have_value("Asia/Tokyo")
    profile = User.objects.get(pk=learner.pk).profile
    assert (profile.timezone, profile.weekly_hours, profile.study_days) == ("Asia/Tokyo", 12, [1, 2, 3, 4])
    assert (profile.nudges_enabled, profile.nudge_weekday, profile.nudge_hour) == (False, 3, 18)
    assert profile.next_nudge_at is None
    assert (profile.study_time, profile.all_day_events) == (time(7, 30), True)
    expect(page.get_by_label("Study sessions start at")).to_have_value("07:30")
    expect(page.get_by_label("In my calendar, show each study day as one all-day event")).to_be_checked()
    assert page.csp_errors == []


def test_a_learner_behind_acts_from_the_dashboard_and_previews_every_change(page, site, catalog):
    learner = UserFactory(email="ada@example.com")
    roadmap = roadmap_for(learner, weeks_ago=3)
    log_in(page, site, learner)
    page.goto("/dashboard/")

    # Always a next action, first on the page, with one Done control per item.
    card = page.get_by_test_id("next-action")
    expect(card).to_be_visible()
    first_done = card.get_by_role("button", name=re.compile(r"^(Done|Mark done): ")).first
    title = first_done.get_attribute("aria-label").split(": ", 1)[1]
    first_done.click()
    expect(page.get_by_text(f"“{title}” is now done.")).to_be_visible()
    expect(
        page.get_by_test_id("next-action").get_by_role("button", name=re.compile(r"^(Done|Mark done): ")).first
    ).to_be_visible()
    expect(page.get_by_test_id("streak")).to_contain_text("in a row")

    # Behind: the catch-up choices lead to a preview; nothing moves before Apply.
    before = roadmap.end_date
    catch_up = page.get_by_test_id("catch-up")
    catch_up.get_by_role("link", name=re.compile(r"finish later$")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Catch up with your plan")
    expect(page.get_by_test_id("end-before")).to_have_text(f"{before:%-d %B %Y}")
    after = datetime.strptime(page.get_by_test_id("end-after").inner_text(), "%d %B %Y").date()
    assert Roadmap.objects.get(pk=roadmap.pk).end_date == before
    page.get_by_role("button", name="Apply this catch-up").click()
    expect(page.get_by_text(re.compile(r"^Re-planned from"))).to_be_visible()
    assert Roadmap.objects.get(pk=roadmap.pk).end_date == after
    expect(page.get_by_test_id("catch-up")).to_have_count(0)

    # The pace: 0 hours is explained beside the field, with the fix one click away.
    page.get_by_role("link", name="Change your pace").click()
    page.get_by_label("Hours a week").fill("0")
    page.get_by_role("button", name="Preview the change").click()
    expect(page.locator("#id_weekly_hours_error")).to_have_text("Choose between 1 and 60 hours a week.")
    expect(page.get_by_text("Ensure this value")).to_have_count(0)
    page.get_by_role("link", name="Use 1 hour a week").click()
    # 1 h a week pushes the end far out: the preview says so before anything moves.
    expect(page.get_by_test_id("far-warning")).to_contain_text("more than three months later")
    # Keeping the end date is one click away, and previewed too.
    page.get_by_test_id("keep-end-link").click()
    expect(page.get_by_test_id("change-preview")).to_be_visible()
    expect(page.get_by_test_id("far-warning")).to_have_count(0)
    ends_now = datetime.strptime(page.get_by_test_id("end-before").inner_text(), "%d %B %Y").date()
    assert datetime.strptime(page.get_by_test_id("end-after").inner_text(), "%d %B %Y").date() <= ends_now
    assert Roadmap.objects.get(pk=roadmap.pk).end_date == ends_now
    # The re-plan's first day is a field too: outside the API's window it is refused beside it.
    page.get_by_label("Re-plan from").fill("2000-01-01")
    page.get_by_role("button", name="Preview the change").click()
    expect(page.locator("#id_from_date_error")).to_contain_text("on or after the roadmap's start date")
    first_day = learner.profile.local_today(timezone.now()) + timedelta(days=9)
    page.get_by_label("Re-plan from").fill(first_day.isoformat())
    hours = roadmap.weekly_hours + 4
    page.get_by_label("Hours a week").fill(str(hours))
    page.get_by_role("button", name="Preview the change").click()
    expect(page.get_by_test_id("change-preview")).to_be_visible()
    expect(page.get_by_test_id("far-warning")).to_have_count(0)
    previewed = datetime.strptime(page.get_by_test_id("end-after").inner_text(), "%d %B %Y").date()
    assert Roadmap.objects.get(pk=roadmap.pk).weekly_hours == roadmap.weekly_hours
    page.get_by_role("button", name="Apply this pace").click()
    expect(page.get_by_text(re.compile(r"^Re-planned from"))).to_be_visible()
    stored = Roadmap.objects.get(pk=roadmap.pk)
    assert (stored.weekly_hours, stored.end_date) == (hours, previewed)
    assert not stored.tasks.exclude(status__in=["done", "skipped"]).filter(start_date__lt=first_day).exists()
    assert page.csp_errors == []


def test_pages_fit_a_phone_and_start_with_a_visible_skip_link(phone_page, site, catalog):
    page = phone_page
    learner = UserFactory(email="ada@example.com")
    roadmap = roadmap_for(learner)
    log_in(page, site, learner)

    for path in ("/dashboard/", f"/roadmaps/{roadmap.id}/", "/start/", "/calendar/", "/settings/"):
        response = page.goto(path)
        # The page itself, not an error page or the log-in form it redirected to.
        assert (response.status, response.url) == (200, site.url + path)
        expect(page.locator("main#main h1")).to_have_count(1)
        expect(page.get_by_role("link", name="Skip to main content")).to_have_count(1)
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{path} scrolls sideways by {overflow}px at 375px"

    page.goto("/dashboard/")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "dashboard-phone.png"))
    page.screenshot(path=str(ARTIFACTS / "dashboard-phone-full.png"), full_page=True)
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to main content")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    assert skip.evaluate("link => getComputedStyle(link).outlineStyle") != "none"
    done = page.get_by_role("button", name=re.compile(r"^Mark done: ")).first
    box = done.bounding_box()
    assert box["height"] >= 24 and box["width"] >= 24
    assert page.csp_errors == []
