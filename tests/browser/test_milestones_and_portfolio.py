"""Completing a milestone with evidence and sharing the progress page, in a real Chromium.

The public page is checked with axe-core (axe-playwright-python bundles it) at
phone and desktop widths: no violation allowed. Set ``SCREENSHOTS_DIR`` to keep
screenshots of the walk (roadmap page and public page, 1280 and 390 px wide).
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.utils import timezone
from playwright.sync_api import expect

from roadmaps.catalog import selectors as catalog_selectors
from roadmaps.models import Roadmap, Role, Track
from roadmaps.plans import services
from tests.browser.conftest import log_in
from tests.factories import UserFactory

pytestmark = pytest.mark.browser

EVIDENCE = "https://github.com/ada-example/churn-model"
WIDTHS = {"desktop": 1280, "phone": 390}
SCREENSHOTS = Path(os.environ["SCREENSHOTS_DIR"]) if os.environ.get("SCREENSHOTS_DIR") else None


def roadmap_for(user) -> Roadmap:
    """The seeds' 6-month zero-experience plan toward ML engineer, started three weeks ago."""
    track = catalog_selectors.tracks_with_milestones().get(slug="zero-experience-6-months")
    role = Role.objects.get(slug="ml-engineer", tracks__slug="zero-experience-6-months")
    today = user.profile.local_today(timezone.now())
    inputs = services.PlanInputs(
        role=role,
        track=track,
        start_date=today - timedelta(weeks=3),
        weekly_hours=20,
        study_days=[1, 2, 3, 4, 5, 6, 7],
        known_skills=[],
    )
    return services.roadmap_create(user=user, inputs=inputs)


def shoot(page, name: str, **options) -> None:
    if SCREENSHOTS is not None:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), **options)


def assert_no_axe_violations(page) -> None:
    results = Axe().run(page)
    assert results.violations_count == 0, results.generate_report()


def test_a_learner_completes_a_milestone_with_evidence_and_shares_the_page(browser, page, site, catalog):
    assert Track.objects.filter(slug="zero-experience-6-months").exists()
    learner = UserFactory(name="Ada Lovelace", email="ada.private@example.com")
    roadmap = roadmap_for(learner)
    first = roadmap.milestones.order_by("sequence").first()
    log_in(page, site, learner)

    # The roadmap page: the first milestone is to do; one click finishes all its parts.
    page.goto(f"/roadmaps/{roadmap.id}/")
    block = page.locator(f"#milestone-{first.id}")
    expect(block.get_by_test_id("milestone-status")).to_have_text("To do")
    block.get_by_role("button", name=f"Mark milestone done: {first.title}").click()
    block = page.locator(f"#milestone-{first.id}")
    expect(block.locator("[data-flash]")).to_contain_text("is done")  # the message inside the milestone
    expect(block.get_by_test_id("milestone-status")).to_have_text("Done")
    assert set(first.tasks.values_list("status", flat=True)) == {"done"}

    # Evidence: a link and a note, without any script needed.
    block.locator("details.evidence > summary").click()
    block.get_by_label(f"Link to what you made for {first.title}").fill(EVIDENCE)
    block.get_by_label(f"Note for {first.title}").fill("Trained and deployed a churn model; AUC 0.91.")
    block.get_by_role("button", name=f"Save evidence: {first.title}").click()
    link = page.locator(f"#milestone-{first.id} a[href='{EVIDENCE}']")
    expect(link).to_have_attribute("rel", "nofollow ugc noopener")
    for label, width in WIDTHS.items():
        page.set_viewport_size({"width": width, "height": 900})
        page.locator(f"#milestone-{first.id}").scroll_into_view_if_needed()
        shoot(page, f"roadmap-milestone-{label}-{width}")

    # Share: turn the page on and open its address in a browser with no session.
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto("/portfolio/")
    page.get_by_label("Share my progress page").check()
    page.get_by_role("button", name="Save").click()
    url = page.get_by_test_id("portfolio-url").inner_text()
    assert url.startswith(site.url + "/p/")

    for label, width in WIDTHS.items():
        visitor = browser.new_context(viewport={"width": width, "height": 900}, locale="en-GB")
        public = visitor.new_page()
        response = public.goto(url)
        assert response.status == 200
        expect(public.get_by_role("heading", level=1)).to_have_text("Ada Lovelace")
        expect(public.get_by_text("Machine Learning Engineer").first).to_be_visible()
        expect(public.locator(f"a[href='{EVIDENCE}']")).to_have_attribute("rel", "nofollow ugc noopener")
        assert "ada.private@example.com" not in public.content()
        assert public.locator("meta[name=robots]").get_attribute("content") == "noindex, nofollow"
        assert_no_axe_violations(public)
        shoot(public, f"public-page-{label}-{width}", full_page=True)
        visitor.close()

    # Turning it off: the same address answers 404 at once.
    page.goto("/portfolio/")
    page.get_by_label("Share my progress page").uncheck()
    page.get_by_role("button", name="Save").click()
    visitor = browser.new_context()
    assert visitor.new_page().goto(url).status == 404
    visitor.close()


@pytest.mark.parametrize("width", WIDTHS.values())
def test_the_roadmap_page_with_milestone_forms_has_no_axe_violations(browser, site, catalog, width):
    learner = UserFactory(name="Grace")
    roadmap = roadmap_for(learner)
    context = browser.new_context(base_url=site.url, viewport={"width": width, "height": 900})
    page = context.new_page()
    log_in(page, site, learner)

    page.goto(f"/roadmaps/{roadmap.id}/")

    expect(page.get_by_role("button", name="Mark milestone done").first).to_be_visible()
    assert_no_axe_violations(page)
    context.close()
