"""The roadmap page in a real Chromium: disclosures, the task buttons by keyboard, the menu, the filters."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from roadmaps.plans.summaries import week_bounds
from tests.browser.conftest import _open_page, log_in
from tests.browser.test_learner_journey import roadmap_for
from tests.factories import UserFactory

pytestmark = pytest.mark.browser


def shoot(page, request, name: str) -> None:
    """With ``pytest --screenshots DIR``: the viewport as the learner sees it now."""
    shots = request.config.getoption("--screenshots")
    if shots:
        Path(shots).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(shots) / f"{name}.png"))


def row(page, task):
    """The task's row: the anchor #task-<id> is on its label, or on the row itself."""
    return page.locator(f"li:has(> #task-{task.id}), li#task-{task.id}")


def test_a_learner_opens_a_milestone_ticks_tasks_by_keyboard_and_filters_the_week(page, request, site, catalog):
    learner = UserFactory(email="ada@example.com")
    roadmap = roadmap_for(learner, weeks_ago=1)
    tasks = list(roadmap.tasks.order_by("sequence"))
    log_in(page, site, learner)
    page.goto(f"/roadmaps/{roadmap.id}/")

    # "Change your pace" comes before the plan; only the current (first) phase is open.
    pace = page.get_by_role("link", name="Change your pace")
    expect(pace).to_have_attribute("href", f"/roadmaps/{roadmap.id}/pace/")
    expect(pace).to_be_in_viewport()
    phases = page.locator("details.phase")
    expect(phases.first).to_have_attribute("open", "")
    assert phases.count() > 1
    assert [phases.nth(i).get_attribute("open") for i in range(1, phases.count())] == [None] * (phases.count() - 1)

    # A closed milestone opens from the keyboard.
    closed_id = page.locator("details.phase[open] details.milestone:not([open])").first.get_attribute("id")
    closed = page.locator(f"#{closed_id}")
    expect(closed.locator("> summary")).to_be_visible()
    closed.locator("> summary").focus()
    page.keyboard.press("Enter")
    expect(closed).to_have_attribute("open", "")

    # Done, by keyboard: back at the task, its milestone open, the message beside it and focused.
    first = tasks[0]
    row(page, first).get_by_role("button", name="Done", exact=True).focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url.endswith(f"#task-{first.id}")
    flash = row(page, first).locator("[data-flash]")
    expect(flash).to_have_text(f"“{first.title}” is now done.")
    expect(flash).to_be_focused()
    expect(flash).to_be_in_viewport()
    expect(row(page, first).get_by_role("button", name="Undo", exact=True)).to_be_visible()
    shoot(page, request, "roadmap-after-done-1280")
    first.refresh_from_db()
    assert first.status == "done"

    # The "More" menu: Enter opens it, Tab reaches Start, Enter starts the task.
    second = tasks[1]
    menu = row(page, second).locator("details")
    menu.locator("summary").focus()
    page.keyboard.press("Enter")
    expect(menu).to_have_attribute("open", "")
    page.keyboard.press("Tab")
    expect(menu.get_by_role("button", name="Start")).to_be_focused()
    shoot(page, request, "roadmap-menu-open-1280")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(row(page, second).locator("[data-flash]")).to_have_text(f"“{second.title}” is now in progress.")
    expect(row(page, second).get_by_text("In progress", exact=True)).to_be_visible()
    second.refresh_from_db()
    assert second.status == "in_progress"

    # Escape closes an open menu and gives focus back to its summary; then Skip by pointer.
    third = tasks[2]  # in the next milestone, closed: the current one is still the first
    milestone = page.locator(f"details.milestone:has(#task-{third.id})")
    expect(milestone).not_to_have_attribute("open", "")
    milestone.locator("> summary").click()
    menu = row(page, third).locator("details")
    menu.locator("summary").click()
    menu.get_by_role("button", name="Start").focus()
    page.keyboard.press("Escape")
    expect(menu).not_to_have_attribute("open", "")
    expect(menu.locator("summary")).to_be_focused()
    menu.locator("summary").click()
    with page.expect_navigation():
        menu.get_by_role("button", name="Skip").click()
    third.refresh_from_db()
    assert third.status == "skipped"

    # Filters: this week's tasks (and the unfinished ones before it), then everything again.
    page.get_by_role("link", name="This week").click()
    expect(page).to_have_url(re.compile(r"\?show=week$"))
    today = learner.profile.local_today(timezone.now())
    monday, sunday = week_bounds(today)
    expected = [
        task.id
        for task in roadmap.tasks.order_by("sequence")
        if task.start_date <= sunday and (task.due_date >= monday or not task.is_finished)
    ]
    expect(page.locator(".plan-tasks li")).to_have_count(len(expected))
    expect(page.get_by_role("link", name="This week")).to_have_attribute("aria-current", "true")
    page.get_by_role("link", name="All", exact=True).first.click()
    expect(page.locator(".plan-tasks li")).to_have_count(len(tasks))
    assert page.csp_errors == []


def test_without_javascript_done_still_lands_on_the_task_with_its_message(browser, request, site, catalog):
    phone = {"width": 390, "height": 844}
    context, page = _open_page(browser, request, site, viewport=phone, java_script_enabled=False)
    learner = UserFactory(email="grace@example.com")
    roadmap = roadmap_for(learner, weeks_ago=1)
    target = roadmap.tasks.order_by("sequence")[1]  # in the open, current milestone
    log_in(page, site, learner)
    page.goto(f"/roadmaps/{roadmap.id}/")

    done = row(page, target).get_by_role("button", name="Done", exact=True)
    box = done.bounding_box()
    assert box["height"] >= 44 and box["width"] >= 44
    done.focus()
    page.keyboard.press("Enter")

    page.wait_for_url(re.compile(rf"#task-{target.id}$"))
    expect(row(page, target).locator("[data-flash]")).to_be_in_viewport()
    shoot(page, request, "roadmap-after-done-no-js-390")
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0
    target.refresh_from_db()
    assert target.status == "done"
    context.close()
