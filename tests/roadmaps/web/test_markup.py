"""Every page's markup: labelled inputs, CSRF tokens, and nothing a strict CSP would block."""

from html.parser import HTMLParser

import pytest
import time_machine
from django.test import Client

from tests.factories import UserFactory
from tests.roadmaps.web.pages_data import NOW, TODAY, make_roadmap, page_catalog

pytestmark = pytest.mark.django_db

PLAN = (
    "role=ml-engineer&track=ml-track&weekly_hours=10&study_days=1&study_days=3"
    f"&start_date={TODAY.isoformat()}&timezone=UTC&target_weeks="
)
ANONYMOUS_PAGES = ["/", "/signup/", "/login/", "/password-reset/", "/password-reset/sent/"]
# Each page with the status it must answer: a page that breaks (or starts refusing good input) fails here.
LEARNER_PAGES = [
    ("/", 200),
    ("/dashboard/", 200),
    ("/roadmaps/{id}/", 200),
    ("/roadmaps/{id}/?status=overdue", 200),
    ("/roadmaps/{id}/?status=finished-yesterday", 400),
    ("/roadmaps/{id}/delete/", 200),
    ("/roadmaps/{id}/pace/", 200),
    ("/roadmaps/{id}/pace/?weekly_hours=4&study_days=2", 200),
    ("/roadmaps/{id}/pace/?weekly_hours=0&study_days=2", 400),
    ("/roadmaps/{id}/replan/", 200),
    ("/roadmaps/{id}/catch-up/", 200),
    ("/roadmaps/{id}/catch-up/?kind=extend", 200),
    ("/roadmaps/{id}/catch-up/?kind=teleport", 400),
    ("/calendar/", 200),
    ("/settings/", 200),
    ("/start/", 200),
    ("/start/track/?role=ml-engineer", 200),
    ("/start/skills/?role=ml-engineer&track=ml-track", 200),
    ("/start/schedule/?role=ml-engineer&track=ml-track", 200),
    (f"/start/preview/?{PLAN}", 200),
    (f"/start/preview/?{PLAN.replace('weekly_hours=10', 'weekly_hours=0')}", 400),
]


class Page(HTMLParser):
    """Collects what the checks below look at."""

    def __init__(self):
        super().__init__()
        self.elements: list[tuple[str, dict]] = []
        self.label_targets: set[str] = set()
        self.open_labels = 0
        self.inputs_inside_labels: set[int] = set()
        self.forms: list[dict] = []
        self.script_bodies: list[str] = []
        self.in_script = False

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        self.elements.append((tag, attributes))
        if tag == "label":
            self.open_labels += 1
            if attributes.get("for"):
                self.label_targets.add(attributes["for"])
        if tag in ("input", "select", "textarea") and self.open_labels:
            self.inputs_inside_labels.add(len(self.elements) - 1)
        if tag == "form":
            self.forms.append({"attrs": attributes, "fields": []})
        if tag == "input" and self.forms:
            self.forms[-1]["fields"].append(attributes.get("name"))
        self.in_script = tag == "script"

    def handle_endtag(self, tag):
        if tag == "label":
            self.open_labels -= 1
        if tag == "script":
            self.in_script = False

    def handle_data(self, data):
        if self.in_script and data.strip():
            self.script_bodies.append(data)


def parse(response) -> Page:
    page = Page()
    page.feed(response.content.decode())
    return page


def unlabelled_inputs(page: Page) -> list[dict]:
    missing = []
    for index, (tag, attrs) in enumerate(page.elements):
        if tag not in ("input", "select", "textarea"):
            continue
        if attrs.get("type") in ("hidden", "submit", "button"):
            continue
        labelled = (
            attrs.get("id") in page.label_targets
            or "aria-label" in attrs
            or "aria-labelledby" in attrs
            or index in page.inputs_inside_labels
        )
        if not labelled:
            missing.append(attrs)
    return missing


def check_page(response, status: int = 200) -> None:
    assert response.status_code == status, response.status_code
    page = parse(response)
    tags = [tag for tag, _ in page.elements]
    # Structure: a language, a skip link to main, one main heading.
    assert ("html", {"lang": "en"}) in page.elements
    assert ("a", {"class": "skip-link", "href": "#main"}) in page.elements
    assert ("main", {"id": "main", "class": "wrap", "tabindex": "-1"}) in page.elements
    assert tags.count("h1") == 1
    # Accessibility: every input has a label.
    assert unlabelled_inputs(page) == []
    # CSRF: every POST form carries the token.
    for form in page.forms:
        if form["attrs"].get("method") == "post":
            assert "csrfmiddlewaretoken" in form["fields"], form["attrs"]
    # A strict CSP (script-src 'self'; style-src 'self') blocks nothing here.
    assert "style" not in tags
    assert page.script_bodies == []
    for tag, attrs in page.elements:
        assert "style" not in attrs, (tag, attrs)
        assert not [name for name in attrs if name.startswith("on")], (tag, attrs)
        if tag == "script" or (tag == "link" and attrs.get("rel") == "stylesheet"):
            assert (attrs.get("src") or attrs.get("href")).startswith("/static/"), attrs


@pytest.fixture(autouse=True)
def frozen_clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.mark.parametrize("path", ANONYMOUS_PAGES)
def test_public_pages_are_labelled_protected_and_csp_clean(path):
    response = Client().get(path)

    check_page(response)


@pytest.mark.parametrize(("path", "status"), LEARNER_PAGES)
def test_learner_pages_are_labelled_protected_and_csp_clean(path, status):
    page_catalog()
    learner = UserFactory()
    roadmap = make_roadmap(learner, tasks=12)
    client = Client()
    client.force_login(learner)
    client.post("/calendar/subscribe/")

    response = client.get(path.format(id=roadmap.id))

    check_page(response, status)


def test_pages_are_served_with_a_strict_content_security_policy():
    policy = Client().get("/")["Content-Security-Policy"]

    assert "script-src 'self'" in policy
    assert "style-src 'self'" in policy
