"""Loading the curated catalog into the database: complete, consistent, idempotent."""

import pytest
from django.core.management import call_command

from roadmaps.catalog.loader import load_catalog, read_catalog
from roadmaps.models import CatalogRevision, Milestone, Phase, Role, RoleLevel, Skill, Track

pytestmark = pytest.mark.django_db


@pytest.fixture
def loaded():
    load_catalog()


def test_every_role_track_and_skill_of_the_fixture_is_loaded(loaded):
    data = read_catalog()

    assert set(Role.objects.values_list("slug", flat=True)) == {r["slug"] for r in data["roles"]}
    assert set(Track.objects.values_list("slug", flat=True)) == {t["slug"] for t in data["tracks"]}
    assert set(Skill.objects.values_list("slug", flat=True)) == {s["slug"] for s in data["skills"]}
    milestone_count = sum(len(p["milestones"]) for t in data["tracks"] for p in t["phases"])
    assert Milestone.objects.count() == milestone_count


def test_loading_twice_changes_nothing(loaded):
    def snapshot():
        return [
            list(model.objects.order_by("pk").values()) for model in (Skill, Role, RoleLevel, Track, Phase, Milestone)
        ] + [
            list(CatalogRevision.objects.values()),
            sorted(Milestone.prerequisites.through.objects.values_list("from_milestone_id", "to_milestone_id")),
            sorted(Role.essential_skills.through.objects.values_list("role_id", "skill_id")),
            sorted(Track.roles.through.objects.values_list("track_id", "role_id")),
        ]

    before = snapshot()
    report = load_catalog()

    assert report.changed == 0
    assert snapshot() == before


def test_the_load_command_reports_what_it_did(capsys):
    call_command("load_catalog")
    call_command("load_catalog")

    assert "Catalog loaded (0 changes)" in capsys.readouterr().out


def test_every_role_has_essential_skills_progression_and_a_track(loaded):
    for role in Role.objects.prefetch_related("essential_skills", "tracks", "progression"):
        assert role.essential_skills.exists(), role.slug
        assert role.tracks.exists(), role.slug
        assert role.progression.count() >= 3, role.slug


def test_every_tracks_phases_cover_its_weeks_without_gaps(loaded):
    for track in Track.objects.prefetch_related("phases"):
        weeks = [(phase.start_week, phase.end_week) for phase in track.phases.order_by("order")]
        assert weeks[0][0] == 1, track.slug
        assert weeks[-1][1] == track.max_weeks, track.slug
        for (_, end), (start, _) in zip(weeks, weeks[1:], strict=False):
            assert start == end + 1, track.slug


def test_every_milestone_has_hours_and_known_skills(loaded):
    for milestone in Milestone.objects.prefetch_related("skills"):
        assert milestone.estimated_hours > 0, milestone.slug
        assert milestone.skills.exists(), milestone.slug


def test_every_catalog_track_gives_a_plan_at_ten_hours_a_week(loaded):
    from datetime import date

    from roadmaps.catalog import selectors as catalog_selectors
    from roadmaps.plans import services

    for track in catalog_selectors.tracks_with_milestones():
        plan = services.plan_preview(
            services.PlanInputs(
                role=track.roles.first(),
                track=track,
                start_date=date(2026, 1, 5),
                weekly_hours=10,
                study_days=[1, 2, 3, 4, 5, 6],
                known_skills=[],
            )
        )
        assert plan.tasks, track.slug


def test_a_milestone_removed_from_the_fixture_is_removed_on_reload(loaded, tmp_path):
    import json

    data = read_catalog()
    removed = data["tracks"][0]["phases"][0]["milestones"].pop()
    for milestone in (m for t in data["tracks"] for p in t["phases"] for m in p["milestones"]):
        milestone["prerequisites"] = [p for p in milestone.get("prerequisites", []) if p != removed["slug"]]
    for name, items in data.items():
        (tmp_path / f"{name}.json").write_text(json.dumps(items))

    load_catalog(tmp_path)

    assert not Milestone.objects.filter(slug=removed["slug"]).exists()


def test_a_load_that_changes_the_catalog_counts_one_revision(loaded, tmp_path):
    import json

    revision = CatalogRevision.objects.get().number
    data = read_catalog()
    data["skills"][0]["name"] += " (renamed)"
    for name, items in data.items():
        (tmp_path / f"{name}.json").write_text(json.dumps(items))

    load_catalog(tmp_path)

    assert CatalogRevision.objects.get().number == revision + 1


def test_a_milestone_marked_optional_in_the_fixture_is_loaded_as_optional(loaded, tmp_path):
    import json

    data = read_catalog()
    marked = data["tracks"][0]["phases"][-1]["milestones"][-1]
    marked["optional"] = True
    for name, items in data.items():
        (tmp_path / f"{name}.json").write_text(json.dumps(items))

    load_catalog(tmp_path)

    assert list(Milestone.objects.filter(optional=True).values_list("slug", flat=True)) == [marked["slug"]]
