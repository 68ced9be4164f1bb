"""Integrity of the hand-curated career catalog in fixtures/catalog/ (plain JSON, no Django).

These tests read the three JSON files directly, so they run without a database
and catch a broken reference or week layout before ``manage.py load_catalog`` does.
"""

import json
import re
from collections import Counter
from pathlib import Path

import pytest

CATALOG_DIR = Path(__file__).resolve().parents[3] / "fixtures" / "catalog"

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")

SKILL_CATEGORIES = {
    "programming",
    "mathematics",
    "machine-learning",
    "deep-learning",
    "genai",
    "data-engineering",
    "mlops",
    "cloud",
    "business",
    "communication",
    "ethics-governance",
    "leadership",
    "research",
    "tools",
    "domain",
    "professional",
}
ROLE_CATEGORIES = {
    "core-technical",
    "specialized-ai",
    "business-strategy",
    "compliance-ethics",
    "leadership",
    "emerging",
}
MILESTONE_KINDS = {"learn", "build", "apply", "network"}

# Every role of seed 003's overview, every AI-engineer role of seed 000's top roles
# and its in-demand data roles, every role of seed 002 and the roles seed 001 names
# (merged roles appear once, under the slug listed here).
REQUIRED_ROLE_SLUGS = {
    # seed 003, role overview
    "data-scientist",
    "data-engineer",
    "ml-engineer",
    "research-scientist",
    "mlops-engineer",
    "computer-vision-engineer",
    "nlp-engineer",
    "reinforcement-learning-engineer",
    "ai-infrastructure-engineer",
    "ai-training-data-specialist",
    "ai-product-manager",
    "ai-business-analyst",
    "ai-solutions-architect",
    "ai-product-marketing-manager",
    "ai-ethics-officer",
    "ai-regulatory-compliance-officer",
    "ai-engineering-manager",
    "ai-solutions-manager",
    "chief-technology-officer-ai",
    "ai-content-specialist",
    "ai-technical-writer",
    # seed 000, top AI engineer roles and in-demand data roles
    "ai-platform-engineer",
    "generative-ai-engineer",
    "ml-reliability-engineer",
    "edge-ai-engineer",
    "ai-security-privacy-engineer",
    "data-architect",
    "analytics-engineer",
    "database-specialist",
    "data-product-manager",
    # seed 002
    "prompt-engineer",
    # seed 001
    "ai-engineer",
    "robotics-engineer",
    "ai-fintech-developer",
    "ai-consultant",
}

# Names that seeds use for a role merged into another one: alias -> slug that holds it.
MERGED_ALIASES = {
    "ML Researcher": "research-scientist",
    "AI Research Scientist": "research-scientist",
    "ML Platform Engineer": "mlops-engineer",
    "ML Ops Specialist": "mlops-engineer",
    "Data Engineer for ML": "data-engineer",
    "Big Data Engineer": "data-engineer",
    "AI Ethics & Governance Specialist": "ai-ethics-officer",
    "AI Ethics Specialist": "ai-ethics-officer",
    "AI Regulatory Officer": "ai-regulatory-compliance-officer",
    "AI Architect": "ai-solutions-architect",
    "AI Software Architect": "ai-solutions-architect",
    "Chief AI Officer (CAIO)": "chief-technology-officer-ai",
    "LLM Specialist": "prompt-engineer",
    "Generative AI Specialist": "generative-ai-engineer",
    "BI Developer with AI Focus": "analytics-engineer",
    "Machine Learning Developer": "ml-engineer",
    "AI Software Engineer": "ai-engineer",
}

# Every plan the seeds give.
REQUIRED_TRACK_SLUGS = {
    "zero-experience-6-months",  # seed 002
    "ai-engineer-12-18-month-roadmap",  # seed 000
    "ai-engineering-12-week-capstone",  # seed 000
    "entry-path-from-data-science",  # seed 000
    "entry-path-from-software-development",  # seed 000
    "entry-path-from-research",  # seed 000
    "data-literacy-90-day-sprint",  # seed 000
    "new-graduates-path",  # seed 003
    "career-changers-path",  # seed 003
    "tech-professionals-path",  # seed 003
}

# Column sizes of roadmaps.models.catalog, so the loader never truncates or fails.
MAX_LENGTHS = {
    "slug": 80,
    "milestone_slug": 100,
    "skill_name": 120,
    "skill_category": 40,
    "role_name": 120,
    "level_title": 120,
    "level_years": 40,
    "track_name": 160,
    "phase_title": 200,
    "milestone_title": 200,
}
SMALL_INT_MAX = 32767


def _load(name: str) -> list[dict]:
    return json.loads((CATALOG_DIR / f"{name}.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def skills() -> list[dict]:
    return _load("skills")


@pytest.fixture(scope="module")
def roles() -> list[dict]:
    return _load("roles")


@pytest.fixture(scope="module")
def tracks() -> list[dict]:
    return _load("tracks")


@pytest.fixture(scope="module")
def skill_slugs(skills) -> set[str]:
    return {skill["slug"] for skill in skills}


def _milestones(track: dict) -> list[dict]:
    return [milestone for phase in track["phases"] for milestone in phase["milestones"]]


def _all_milestones(tracks: list[dict]) -> list[tuple[dict, dict]]:
    return [(track, milestone) for track in tracks for milestone in _milestones(track)]


def _duplicates(values) -> list:
    return [value for value, count in Counter(values).items() if count > 1]


# --- files ----------------------------------------------------------------------


@pytest.mark.parametrize("name", ["skills", "roles", "tracks"])
def test_every_catalog_file_is_a_utf8_json_list_with_two_space_indentation(name):
    raw = (CATALOG_DIR / f"{name}.json").read_text(encoding="utf-8")
    data = json.loads(raw)

    assert isinstance(data, list) and data
    assert raw == json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def test_the_catalog_says_where_its_facts_come_from():
    sources = (CATALOG_DIR / "SOURCES.md").read_text(encoding="utf-8")

    for seed in ("000", "001", "002", "003", "004"):
        assert seed in sources


# --- skills ---------------------------------------------------------------------


def test_skill_slugs_are_unique_lowercase_kebab(skills):
    slugs = [skill["slug"] for skill in skills]

    assert not _duplicates(slugs)
    assert [slug for slug in slugs if not SLUG.match(slug)] == []


def test_every_skill_has_a_name_a_known_category_and_a_description(skills):
    for skill in skills:
        assert skill["name"].strip(), skill["slug"]
        assert skill["category"] in SKILL_CATEGORIES, skill["slug"]
        assert skill["description"].strip(), skill["slug"]


def test_the_skill_list_has_a_useful_size_and_no_duplicate_names(skills):
    assert 60 <= len(skills) <= 130
    assert not _duplicates(skill["name"].lower() for skill in skills)


def test_every_skill_is_used_by_a_role_or_a_milestone(skills, roles, tracks):
    used = {slug for role in roles for slug in role["essential_skills"] + role["important_skills"]}
    used |= {slug for _, milestone in _all_milestones(tracks) for slug in milestone["skills"]}

    assert {skill["slug"] for skill in skills} - used == set()


# --- roles ----------------------------------------------------------------------


def test_role_slugs_are_unique_lowercase_kebab(roles):
    slugs = [role["slug"] for role in roles]

    assert not _duplicates(slugs)
    assert [slug for slug in slugs if not SLUG.match(slug)] == []


def test_every_required_role_is_present(roles):
    assert REQUIRED_ROLE_SLUGS - {role["slug"] for role in roles} == set()


def test_every_role_has_a_valid_category_a_mission_and_a_source_note(roles):
    for role in roles:
        assert role["category"] in ROLE_CATEGORIES, role["slug"]
        assert role["mission"].strip(), role["slug"]
        assert role["source_note"].strip(), role["slug"]


def test_every_role_has_at_least_three_essential_skills(roles):
    for role in roles:
        assert len(role["essential_skills"]) >= 3, role["slug"]


def test_every_skill_a_role_references_exists(roles, skill_slugs):
    for role in roles:
        unknown = set(role["essential_skills"] + role["important_skills"]) - skill_slugs
        assert unknown == set(), role["slug"]


def test_no_role_lists_a_skill_twice_or_as_both_essential_and_important(roles):
    for role in roles:
        listed = role["essential_skills"] + role["important_skills"]
        assert not _duplicates(listed), role["slug"]


def test_every_role_has_at_least_three_progression_levels_with_title_years_and_focus(roles):
    for role in roles:
        assert len(role["progression"]) >= 3, role["slug"]
        for level in role["progression"]:
            assert level["title"].strip() and level["years"].strip(), role["slug"]
            assert level["focus"].strip(), role["slug"]


def test_a_salary_note_when_present_is_text(roles):
    for role in roles:
        note = role.get("salary_note")
        if note is not None:
            assert isinstance(note, str) and note.strip(), role["slug"]


def test_aliases_are_unique_across_roles_and_differ_from_role_names(roles):
    names = {role["name"].lower() for role in roles}
    aliases = [alias.lower() for role in roles for alias in role["aliases"]]

    assert not _duplicates(aliases)
    assert names & set(aliases) == set()


def test_merged_role_names_are_kept_as_aliases_of_the_role_that_absorbed_them(roles):
    by_slug = {role["slug"]: role for role in roles}

    for alias, slug in MERGED_ALIASES.items():
        assert alias in by_slug[slug]["aliases"], alias


def test_every_role_is_fitted_by_at_least_one_track(roles, tracks):
    fitted = {slug for track in tracks for slug in track["roles"]}

    assert {role["slug"] for role in roles} - fitted == set()


# --- tracks ---------------------------------------------------------------------


def test_track_slugs_are_unique_lowercase_kebab(tracks):
    slugs = [track["slug"] for track in tracks]

    assert not _duplicates(slugs)
    assert [slug for slug in slugs if not SLUG.match(slug)] == []


def test_every_plan_of_the_seeds_is_present_as_a_track(tracks):
    assert REQUIRED_TRACK_SLUGS - {track["slug"] for track in tracks} == set()


def test_every_track_has_an_audience_a_description_and_a_source_note(tracks):
    for track in tracks:
        for field in ("name", "audience", "description", "source_note"):
            assert track[field].strip(), (track["slug"], field)


def test_every_track_fits_only_known_roles(tracks, roles):
    known = {role["slug"] for role in roles}

    for track in tracks:
        assert track["roles"], track["slug"]
        assert set(track["roles"]) - known == set(), track["slug"]
        assert not _duplicates(track["roles"]), track["slug"]


def test_min_weeks_is_positive_and_not_above_max_weeks(tracks):
    for track in tracks:
        assert 1 <= track["min_weeks"] <= track["max_weeks"] <= SMALL_INT_MAX, track["slug"]


def test_phase_orders_count_up_from_one(tracks):
    for track in tracks:
        orders = [phase["order"] for phase in track["phases"]]
        assert orders == list(range(1, len(orders) + 1)), track["slug"]


def test_every_tracks_phases_cover_its_weeks_without_gaps_or_overlaps(tracks):
    for track in tracks:
        phases = track["phases"]
        assert phases, track["slug"]
        assert phases[0]["start_week"] == 1, track["slug"]
        assert phases[-1]["end_week"] == track["max_weeks"], track["slug"]
        for phase in phases:
            assert phase["start_week"] <= phase["end_week"], (track["slug"], phase["order"])
        for previous, current in zip(phases, phases[1:], strict=False):
            label = (track["slug"], current["order"])
            assert current["start_week"] == previous["end_week"] + 1, label


def test_every_phase_has_a_title_and_at_least_one_milestone(tracks):
    for track in tracks:
        for phase in track["phases"]:
            assert phase["title"].strip(), (track["slug"], phase["order"])
            assert phase["milestones"], (track["slug"], phase["order"])


# --- milestones -----------------------------------------------------------------


def test_milestone_slugs_are_unique_across_all_tracks(tracks):
    slugs = [milestone["slug"] for _, milestone in _all_milestones(tracks)]

    assert not _duplicates(slugs)
    assert [slug for slug in slugs if not SLUG.match(slug)] == []


def test_every_milestone_has_positive_whole_hours(tracks):
    for _, milestone in _all_milestones(tracks):
        hours = milestone["estimated_hours"]
        assert isinstance(hours, int) and not isinstance(hours, bool), milestone["slug"]
        assert 0 < hours <= SMALL_INT_MAX, milestone["slug"]


def test_every_milestone_has_a_valid_kind(tracks):
    for _, milestone in _all_milestones(tracks):
        assert milestone["kind"] in MILESTONE_KINDS, milestone["slug"]


def test_every_milestone_has_a_title_and_a_description(tracks):
    for _, milestone in _all_milestones(tracks):
        assert milestone["title"].strip(), milestone["slug"]
        assert milestone["description"].strip(), milestone["slug"]


def test_every_milestone_has_at_least_one_known_skill(tracks, skill_slugs):
    for _, milestone in _all_milestones(tracks):
        assert milestone["skills"], milestone["slug"]
        assert set(milestone["skills"]) - skill_slugs == set(), milestone["slug"]
        assert not _duplicates(milestone["skills"]), milestone["slug"]


def test_prerequisites_point_to_earlier_milestones_of_the_same_track(tracks):
    for track in tracks:
        earlier: set[str] = set()
        for milestone in _milestones(track):
            prerequisites = milestone.get("prerequisites", [])
            assert set(prerequisites) <= earlier, (track["slug"], milestone["slug"])
            assert not _duplicates(prerequisites), milestone["slug"]
            earlier.add(milestone["slug"])


def test_every_track_asks_a_realistic_number_of_hours_per_week(tracks):
    """About 6-15 h a week over the longest plan, and at most 16 h over the shortest."""
    for track in tracks:
        hours = sum(milestone["estimated_hours"] for milestone in _milestones(track))
        assert 6 <= hours / track["max_weeks"] <= 15, (track["slug"], hours)
        assert hours / track["min_weeks"] <= 16, (track["slug"], hours)


def test_the_six_month_plan_asks_between_250_and_350_hours(tracks):
    track = next(t for t in tracks if t["slug"] == "zero-experience-6-months")

    assert track["max_weeks"] == 26
    assert 250 <= sum(m["estimated_hours"] for m in _milestones(track)) <= 350


def test_the_month_based_plans_keep_the_seeds_phase_boundaries(tracks):
    by_slug = {track["slug"]: track for track in tracks}

    def weeks(slug):
        return [(p["start_week"], p["end_week"]) for p in by_slug[slug]["phases"]]

    assert weeks("ai-engineer-12-18-month-roadmap") == [(1, 13), (14, 26), (27, 52), (53, 78)]
    for slug in (
        "entry-path-from-data-science",
        "entry-path-from-software-development",
        "entry-path-from-research",
    ):
        assert weeks(slug) == [(1, 13), (14, 39), (40, 78)], slug
    assert len(weeks("zero-experience-6-months")) == 6
    assert by_slug["ai-engineering-12-week-capstone"]["max_weeks"] == 12
    assert by_slug["data-literacy-90-day-sprint"]["max_weeks"] == 13


# --- database column sizes -------------------------------------------------------


def test_every_text_fits_its_database_column(skills, roles, tracks):
    too_long = []

    def check(kind, value, label):
        if len(value) > MAX_LENGTHS[kind]:
            too_long.append((kind, label))

    for skill in skills:
        check("slug", skill["slug"], skill["slug"])
        check("skill_name", skill["name"], skill["slug"])
        check("skill_category", skill["category"], skill["slug"])
    for role in roles:
        check("slug", role["slug"], role["slug"])
        check("role_name", role["name"], role["slug"])
        for level in role["progression"]:
            check("level_title", level["title"], role["slug"])
            check("level_years", level["years"], role["slug"])
    for track in tracks:
        check("slug", track["slug"], track["slug"])
        check("track_name", track["name"], track["slug"])
        for phase in track["phases"]:
            check("phase_title", phase["title"], track["slug"])
        for milestone in _milestones(track):
            check("milestone_slug", milestone["slug"], milestone["slug"])
            check("milestone_title", milestone["title"], milestone["slug"])

    assert too_long == []
