"""A small catalog and roadmaps made through the real creation service."""

from datetime import date

from roadmaps.catalog import selectors as catalog_selectors
from roadmaps.plans import services
from tests.factories import RoleFactory, SkillFactory, make_track

START = date(2026, 11, 2)  # a Monday


def make_catalog(*, milestones_per_phase=(2, 1), hours=30):
    skill = SkillFactory(slug="python")
    role = RoleFactory(slug="ml-engineer", name="Machine Learning Engineer")
    track = make_track(slug="ml-track", milestones_per_phase=milestones_per_phase, hours=hours, skills=[skill])
    track.roles.add(role)
    return role, track


def make_roadmap(user, role, track, *, weekly_hours=10, start=START):
    inputs = services.PlanInputs(
        role=role,
        track=catalog_selectors.tracks_with_milestones().get(pk=track.pk),
        start_date=start,
        weekly_hours=weekly_hours,
        study_days=[1, 2, 3, 4, 5],
        known_skills=[],
    )
    return services.roadmap_create(user=user, inputs=inputs)
