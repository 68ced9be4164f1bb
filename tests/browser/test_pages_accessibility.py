"""Every page in Chromium at a phone's width (390 px) and a laptop's (1280 px).

On each page: axe-core (bundled by axe-playwright-python: nothing downloads)
finds no violation, nothing scrolls sideways, and at 390 px every button and
every link standing alone in a list or navigation is at least 44 px tall.
``pytest --screenshots DIR`` also saves each page at both widths into DIR.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.contrib.auth.tokens import default_token_generator
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from playwright.sync_api import expect

from roadmaps.calendar import services as calendar_services
from roadmaps.nudges.unsubscribe import unsubscribe_token
from roadmaps.plans import services as plan_services
from tests.browser.conftest import ARTIFACTS, _open_page, log_in
from tests.browser.test_learner_journey import roadmap_for
from tests.factories import UserFactory

pytestmark = pytest.mark.browser

WIDTHS = {390: 844, 1280: 900}
MIN_TARGET = 44
PLAN = "role=ml-engineer&track=zero-experience-6-months"
SCHEDULE = "&weekly_hours=12&study_days=1&study_days=3&study_days=6&timezone=Europe%2FParis&target_weeks="

# Buttons, and links that stand alone: in navigation, in list items, or styled as buttons.
TARGETS = """min => [...document.querySelectorAll('button, .button, nav a, li > a, .page-links a, .task-title a')]
      .filter(el => el.offsetParent !== null && !el.matches('.skip-link'))
      .map(el => ({name: (el.innerText || el.getAttribute('aria-label') || '').trim().slice(0, 40),
                   height: Math.round(el.getBoundingClientRect().height * 10) / 10}))
      .filter(target => target.height < min)"""


@dataclass(frozen=True)
class Visit:
    name: str
    path: str
    who: str = "learner"  # "anonymous", "newcomer" (no roadmap) or "learner"
    click: str = ""  # a button to press first: the page checked is the one it leads to


def visits(roadmap_id: int, learner_id: int, uid: str, reset_token: str) -> list[Visit]:
    unsubscribe = f"/nudges/unsubscribe/{unsubscribe_token(learner_id)}/"
    return [
        Visit("home", "/", "anonymous"),
        Visit("signup", "/signup/", "anonymous"),
        Visit("signup-errors", "/signup/", "anonymous", click="Sign up"),
        Visit("login", "/login/", "anonymous"),
        Visit("password-reset", "/password-reset/", "anonymous"),
        Visit("password-reset-sent", "/password-reset/sent/", "anonymous"),
        Visit("password-reset-confirm", f"/password-reset/{uid}/{reset_token}/", "anonymous"),
        Visit("error-404", "/no-such-page/", "anonymous"),
        Visit("unsubscribe", unsubscribe, "anonymous"),
        Visit("unsubscribed", unsubscribe, "anonymous", click="Unsubscribe"),
        Visit("unsubscribe-bad-link", "/nudges/unsubscribe/1:forged/", "anonymous"),
        Visit("dashboard-empty", "/dashboard/", "newcomer"),
        Visit("home-logged-in", "/"),
        Visit("dashboard", "/dashboard/"),
        Visit("roadmap", f"/roadmaps/{roadmap_id}/"),
        Visit("roadmap-this-week", f"/roadmaps/{roadmap_id}/?show=week"),
        Visit("roadmap-bad-filter", f"/roadmaps/{roadmap_id}/?show=someday"),
        Visit("roadmap-print", f"/roadmaps/{roadmap_id}/print/"),
        Visit("roadmap-delete", f"/roadmaps/{roadmap_id}/delete/"),
        Visit("roadmap-pace", f"/roadmaps/{roadmap_id}/pace/"),
        Visit("roadmap-pace-preview", f"/roadmaps/{roadmap_id}/pace/?weekly_hours=1&study_days=1&study_days=4"),
        Visit("roadmap-pace-error", f"/roadmaps/{roadmap_id}/pace/?weekly_hours=0&study_days=1"),
        Visit(
            "roadmap-pace-date-error", f"/roadmaps/{roadmap_id}/pace/?weekly_hours=5&study_days=1&from_date=2000-01-01"
        ),
        Visit("roadmap-replan", f"/roadmaps/{roadmap_id}/replan/"),
        Visit("roadmap-catch-up", f"/roadmaps/{roadmap_id}/catch-up/"),
        Visit("roadmap-catch-up-preview", f"/roadmaps/{roadmap_id}/catch-up/?kind=extend"),
        Visit("onboarding-role", "/start/"),
        Visit("onboarding-role-search", "/start/?q=data"),
        Visit("onboarding-track", f"/start/track/?{PLAN}"),
        Visit("onboarding-skills", f"/start/skills/?{PLAN}"),
        Visit("onboarding-schedule", f"/start/schedule/?{PLAN}"),
        Visit("onboarding-preview", f"/start/preview/?{PLAN}{SCHEDULE}&start_date={{today}}"),
        Visit("calendar", "/calendar/"),
        Visit("calendar-rotate-confirm", "/calendar/rotate/"),
        Visit("settings", "/settings/"),
        Visit("error-404-logged-in", "/roadmaps/999999/"),
    ]


@pytest.fixture
def people(site, catalog):
    learner = UserFactory(email="ada@example.com", name="Ada")
    roadmap = roadmap_for(learner, weeks_ago=3)
    first = roadmap.tasks.order_by("sequence").first()
    plan_services.task_mark(task=first, status="done", now=timezone.now())  # finished today, as a tick does
    roadmap_for(learner, weeks_ago=-1)  # a second roadmap, starting next week: the switcher shows
    calendar_services.feed_get_or_create(user=learner)
    newcomer = UserFactory(email="new@example.com", name="Grace")
    return {"learner": learner, "newcomer": newcomer, "roadmap": roadmap}


def check_every_page(browser, request, site, people, width: int) -> dict[str, list[str]]:
    learner, roadmap = people["learner"], people["roadmap"]
    uid = urlsafe_base64_encode(force_bytes(people["newcomer"].pk))
    reset_token = default_token_generator.make_token(people["newcomer"])
    today = learner.profile.local_today(timezone.now()).isoformat()
    shots = request.config.getoption("--screenshots")
    axe = Axe()
    contexts, problems = {}, {}
    try:
        for visit in visits(roadmap.id, learner.id, uid, reset_token):
            page = contexts.get(visit.who)
            if page is None:
                context, page = _open_page(
                    browser, request, site, viewport={"width": width, "height": WIDTHS[width]}, is_mobile=width < 600
                )
                if visit.who != "anonymous":
                    log_in(page, site, people[visit.who])
                contexts[visit.who] = page
            page.goto(visit.path.replace("{today}", today))
            if visit.click:
                with page.expect_navigation():
                    page.get_by_role("button", name=visit.click, exact=True).click()
            expect(page.locator("main")).to_have_count(1)
            found = [
                f"axe {violation['id']} ({violation['impact']}): {len(violation['nodes'])} node(s)"
                for violation in axe.run(page).response["violations"]
            ]
            overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            if overflow > 0:
                found.append(f"scrolls sideways by {overflow}px")
            if width < 600:
                found += [f"target {t['name']!r} is {t['height']}px tall" for t in page.evaluate(TARGETS, MIN_TARGET)]
            if page.csp_errors:
                found.append(f"CSP: {page.csp_errors}")
            problems[visit.name] = found
            if shots:
                Path(shots).mkdir(parents=True, exist_ok=True)
                page.screenshot(path=str(Path(shots) / f"{visit.name}-{width}.png"), full_page=True)
    finally:
        for page in contexts.values():
            page.context.close()
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / f"axe-{width}.json").write_text(json.dumps(problems, indent=2))
    return problems


@pytest.mark.parametrize("width", list(WIDTHS))
def test_every_page_passes_axe_fits_the_width_and_has_big_enough_targets(browser, request, site, people, width):
    problems = check_every_page(browser, request, site, people, width)

    assert len(problems) == len(visits(0, 0, "", ""))
    assert {name: found for name, found in problems.items() if found} == {}


def test_the_dashboard_shows_the_learner_s_streak_as_a_figure(browser, request, site, people):
    context, page = _open_page(browser, request, site, viewport={"width": 390, "height": 844}, is_mobile=True)
    log_in(page, site, people["learner"])
    page.goto("/dashboard/")

    streak = page.get_by_test_id("streak")
    expect(streak.locator(".streak-figure")).to_have_text("1")
    expect(streak.locator(".streak-label")).to_have_text("week in a row with a finished task")
    context.close()


def test_the_burnup_chart_text_is_at_least_11px_on_a_phone_and_shows_years(browser, request, site, people):
    context, page = _open_page(browser, request, site, viewport={"width": 390, "height": 844}, is_mobile=True)
    log_in(page, site, people["learner"])
    page.goto("/dashboard/")

    sizes = page.evaluate(
        """[...document.querySelectorAll('.burnup-svg text')]
             .filter(t => t.closest('svg').getBoundingClientRect().width > 0)
             .map(t => parseFloat(getComputedStyle(t).fontSize) * t.getScreenCTM().a)"""
    )
    labels = page.evaluate(
        "[...document.querySelectorAll('.burnup-svg')].filter(svg => svg.getBoundingClientRect().width > 0)"
        ".flatMap(svg => [...svg.querySelectorAll('.burnup-label-x')].map(t => t.textContent))"
    )
    context.close()

    assert sizes and min(sizes) >= 11, sizes
    # The learner's 6-month plan started three weeks ago in November: it crosses a year.
    assert 0 < len(labels) <= 3 and all(re.search(r" 20\d\d$", label) for label in labels), labels


def test_without_javascript_copy_link_stays_hidden_and_a_new_link_asks_first(browser, request, site, people):
    viewport = {"width": 1280, "height": 900}
    context, page = _open_page(browser, request, site, viewport=viewport, java_script_enabled=False)
    log_in(page, site, people["learner"])
    page.goto("/calendar/")
    old_link = page.get_by_label("Your private calendar link").input_value()

    expect(page.get_by_role("button", name="Copy link")).to_be_hidden()
    page.get_by_role("link", name="Make a new link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Make a new calendar link?")
    assert page.request.get(old_link).status == 200
    page.get_by_role("button", name="Yes, make a new link").click()

    expect(page.get_by_text("You have a new calendar link.")).to_be_visible()
    assert page.get_by_label("Your private calendar link").input_value() != old_link
    assert page.request.get(old_link).status == 404
    context.close()


def test_the_focus_ring_is_violet_far_from_the_error_red(browser, request, site):
    context, page = _open_page(browser, request, site, viewport={"width": 390, "height": 844}, is_mobile=True)
    page.goto("/signup/")
    page.get_by_label("E-mail address").fill("not-an-email")
    page.get_by_role("button", name="Sign up").click()
    page.keyboard.press("Tab")  # keyboard focus: :focus-visible applies
    page.get_by_label("E-mail address").focus()
    email = page.get_by_label("E-mail address")
    ring = email.evaluate("el => getComputedStyle(el).outlineColor")
    border = email.evaluate("el => getComputedStyle(el).borderTopColor")
    context.close()

    assert border == "rgb(180, 35, 24)"  # the error red
    assert ring == "rgb(109, 40, 217)"  # violet


def test_printing_the_plan_leaves_out_the_site_header_navigation_and_buttons(browser, request, site, people):
    context, page = _open_page(browser, request, site, viewport={"width": 1280, "height": 900})
    log_in(page, site, people["learner"])
    page.goto(f"/roadmaps/{people['roadmap'].id}/")
    page.get_by_role("link", name="Print", exact=True).click()
    expect(page.get_by_role("button", name="Print")).to_be_visible()  # the script shows it
    page.emulate_media(media="print")

    expect(page.locator(".site-header")).to_be_hidden()
    expect(page.get_by_role("button", name="Print")).to_be_hidden()
    expect(page.get_by_role("heading", level=1)).to_have_text("Machine Learning Engineer roadmap")
    expect(page.locator(".checklist-item")).to_have_count(people["roadmap"].tasks.count())
    context.close()
