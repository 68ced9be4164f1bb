"""Factories for every model the tests build (factory_boy)."""

from datetime import date, timedelta

import factory
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model

from accounts import tokens
from accounts.models import Profile
from roadmaps.models import Milestone, Phase, Roadmap, Role, RoleLevel, Skill, Task, Track

PASSWORD = "a-Long-passphrase-42"


class SkillFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Skill
        django_get_or_create = ["slug"]

    slug = factory.Sequence(lambda n: f"skill-{n}")
    name = factory.LazyAttribute(lambda o: o.slug.replace("-", " ").title())
    category = "programming"


class RoleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Role
        django_get_or_create = ["slug"]

    slug = factory.Sequence(lambda n: f"role-{n}")
    name = factory.LazyAttribute(lambda o: o.slug.replace("-", " ").title())
    category = Role.Category.CORE_TECHNICAL
    mission = "Build useful models."


class RoleLevelFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RoleLevel

    role = factory.SubFactory(RoleFactory)
    order = factory.Sequence(lambda n: n + 1)
    title = "Junior"
    years = "0-2"
    focus = "Learning the craft"


class TrackFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Track
        django_get_or_create = ["slug"]

    slug = factory.Sequence(lambda n: f"track-{n}")
    name = factory.LazyAttribute(lambda o: o.slug.replace("-", " ").title())
    audience = "Anyone"
    min_weeks = 4
    max_weeks = 8


class PhaseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Phase

    track = factory.SubFactory(TrackFactory)
    order = factory.Sequence(lambda n: n + 1)
    title = factory.Sequence(lambda n: f"Phase {n}")
    start_week = 1
    end_week = 8


class MilestoneFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Milestone
        skip_postgeneration_save = True

    phase = factory.SubFactory(PhaseFactory)
    order = factory.Sequence(lambda n: n + 1)
    slug = factory.Sequence(lambda n: f"milestone-{n}")
    title = factory.Sequence(lambda n: f"Milestone {n}")
    kind = "learn"
    estimated_hours = 10

    @factory.post_generation
    def skills(self, create, extracted, **kwargs):
        if create and extracted:
            self.skills.set(extracted)


def make_track(*, milestones_per_phase=(2, 2), hours=10, weeks_per_phase=4, skills=None, **track_fields):
    """A track with phases of equal length and milestones of ``hours`` each."""
    phase_count = len(milestones_per_phase)
    track = TrackFactory(
        min_weeks=weeks_per_phase * phase_count,
        max_weeks=weeks_per_phase * phase_count,
        **track_fields,
    )
    for index, count in enumerate(milestones_per_phase):
        phase = PhaseFactory(
            track=track,
            order=index + 1,
            start_week=index * weeks_per_phase + 1,
            end_week=(index + 1) * weeks_per_phase,
        )
        for _ in range(count):
            MilestoneFactory(phase=phase, estimated_hours=hours, skills=skills or [SkillFactory()])
    return track


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"learner{n}@example.com")
    name = factory.Sequence(lambda n: f"Learner {n}")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def profile(self, create, extracted, **kwargs):
        if create:
            self.save()
            ProfileFactory(user=self, **kwargs)

    @factory.post_generation
    def email_verified(self, create, extracted, **kwargs):
        """Verified unless ``email_verified=False``: most tests are about learners who confirmed."""
        if create:
            EmailAddress.objects.create(user=self, email=self.email, primary=True, verified=extracted is not False)


class ProfileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Profile
        django_get_or_create = ["user"]

    user = factory.SubFactory(UserFactory)
    timezone = "UTC"
    weekly_hours = 10
    study_days = [1, 2, 3, 4, 5]


def token_for(user) -> str:
    """An API token for ``user``: made on the first call, the same one on later calls with this
    user object (tokens are stored hashed, so the plain text is kept on the object)."""
    if not getattr(user, "_test_api_token", None):
        user._test_api_token = tokens.api_token_create(user=user)
    return user._test_api_token


class RoadmapFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Roadmap

    user = factory.SubFactory(UserFactory)
    role = factory.SubFactory(RoleFactory)
    track = factory.SubFactory(TrackFactory)
    start_date = factory.LazyFunction(lambda: date(2026, 11, 2))
    end_date = factory.LazyAttribute(lambda o: o.start_date + timedelta(weeks=8))
    weekly_hours = 10
    study_days = [1, 2, 3, 4, 5]


class TaskFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Task

    roadmap = factory.SubFactory(RoadmapFactory)
    sequence = factory.Sequence(lambda n: n)
    title = factory.Sequence(lambda n: f"Task {n}")
    milestone_title = factory.LazyAttribute(lambda o: o.title)
    phase_order = 1
    phase_title = "Foundations"
    kind = "learn"
    estimated_minutes = 120
    start_date = factory.LazyAttribute(lambda o: o.roadmap.start_date)
    due_date = factory.LazyAttribute(lambda o: o.start_date + timedelta(days=2))
