"""The career catalog: roles, skills and roadmap templates, curated from the seed guides."""

from django.core.validators import MinValueValidator
from django.db import models

# How the catalog's category slugs read on the pages; an unknown slug reads as its words, capitalised.
SKILL_CATEGORY_NAMES = {
    "business": "Business",
    "cloud": "Cloud",
    "communication": "Communication",
    "data-engineering": "Data engineering",
    "deep-learning": "Deep learning",
    "domain": "Domain knowledge",
    "ethics-governance": "Ethics and governance",
    "genai": "Generative AI",
    "leadership": "Leadership",
    "machine-learning": "Machine learning",
    "mathematics": "Mathematics",
    "mlops": "MLOps",
    "professional": "Professional skills",
    "programming": "Programming",
    "research": "Research",
    "tools": "Tools",
}


def skill_category_name(slug: str) -> str:
    return SKILL_CATEGORY_NAMES.get(slug) or slug.replace("-", " ").capitalize()


class Skill(models.Model):
    slug = models.SlugField(max_length=80, unique=True)
    name = models.CharField(max_length=120)
    category = models.CharField(max_length=40)
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["category", "name"]

    def __str__(self) -> str:
        return self.name


class Role(models.Model):
    class Category(models.TextChoices):
        CORE_TECHNICAL = "core-technical", "Core technical"
        SPECIALIZED_AI = "specialized-ai", "Specialized AI"
        BUSINESS_STRATEGY = "business-strategy", "Business and strategy"
        COMPLIANCE_ETHICS = "compliance-ethics", "Compliance and ethics"
        LEADERSHIP = "leadership", "Leadership and management"
        EMERGING = "emerging", "Emerging and specialized"

    slug = models.SlugField(max_length=80, unique=True)
    name = models.CharField(max_length=120)
    category = models.CharField(max_length=40, choices=Category.choices)
    mission = models.TextField()
    aliases = models.JSONField(default=list, blank=True)
    salary_note = models.TextField(blank=True)
    source_note = models.TextField(blank=True)
    essential_skills = models.ManyToManyField(Skill, related_name="essential_for", blank=True)
    important_skills = models.ManyToManyField(Skill, related_name="important_for", blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "name"]

    def __str__(self) -> str:
        return self.name

    @property
    def mission_summary(self) -> str:
        """The mission's first sentence, for compact cards."""
        first, _, rest = self.mission.partition(". ")
        return f"{first}." if rest else self.mission

    def matches(self, words: list[str]) -> bool:
        """Every word appears in the name, aliases, mission, category or key skills (skills prefetched)."""
        haystack = " ".join(
            [
                self.name,
                *self.aliases,
                self.mission,
                self.get_category_display(),
                *(skill.name for skill in self.essential_skills.all()),
            ]
        ).casefold()
        return all(word in haystack for word in words)


class RoleLevel(models.Model):
    """One step of a role's career progression (junior, senior, lead...)."""

    role = models.ForeignKey(Role, on_delete=models.CASCADE, related_name="progression")
    order = models.PositiveSmallIntegerField()
    title = models.CharField(max_length=120)
    years = models.CharField(max_length=40)
    focus = models.TextField()

    class Meta:
        ordering = ["role", "order"]
        constraints = [models.UniqueConstraint(fields=["role", "order"], name="unique_role_level_order")]

    def __str__(self) -> str:
        return self.title


class Track(models.Model):
    """A roadmap template: phases of weeks holding milestones."""

    slug = models.SlugField(max_length=80, unique=True)
    name = models.CharField(max_length=160)
    audience = models.TextField()
    description = models.TextField(blank=True)
    min_weeks = models.PositiveSmallIntegerField(validators=[MinValueValidator(1)])
    max_weeks = models.PositiveSmallIntegerField(validators=[MinValueValidator(1)])
    roles = models.ManyToManyField(Role, related_name="tracks", blank=True)
    source_note = models.TextField(blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(min_weeks__lte=models.F("max_weeks")),
                name="track_min_weeks_not_above_max",
            )
        ]

    def __str__(self) -> str:
        return self.name


class Phase(models.Model):
    track = models.ForeignKey(Track, on_delete=models.CASCADE, related_name="phases")
    order = models.PositiveSmallIntegerField()
    title = models.CharField(max_length=200)
    start_week = models.PositiveSmallIntegerField(validators=[MinValueValidator(1)])
    end_week = models.PositiveSmallIntegerField(validators=[MinValueValidator(1)])

    class Meta:
        ordering = ["track", "order"]
        constraints = [
            models.UniqueConstraint(fields=["track", "order"], name="unique_phase_order"),
            models.CheckConstraint(
                condition=models.Q(start_week__lte=models.F("end_week")),
                name="phase_starts_before_it_ends",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.track.name}: {self.title}"


class MilestoneKind(models.TextChoices):
    LEARN = "learn", "Learn"
    BUILD = "build", "Build"
    APPLY = "apply", "Apply"
    NETWORK = "network", "Network"


class Milestone(models.Model):
    phase = models.ForeignKey(Phase, on_delete=models.CASCADE, related_name="milestones")
    order = models.PositiveSmallIntegerField()
    slug = models.SlugField(max_length=100, unique=True)
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    kind = models.CharField(max_length=16, choices=MilestoneKind.choices)
    estimated_hours = models.PositiveSmallIntegerField(validators=[MinValueValidator(1)])
    # The seeds present it as optional or extra: a plan that cannot fit may drop it.
    optional = models.BooleanField(default=False)
    skills = models.ManyToManyField(Skill, related_name="milestones", blank=True)
    prerequisites = models.ManyToManyField("self", symmetrical=False, related_name="unlocks", blank=True)

    class Meta:
        ordering = ["phase", "order"]
        constraints = [
            models.CheckConstraint(condition=models.Q(estimated_hours__gt=0), name="milestone_has_hours"),
        ]

    def __str__(self) -> str:
        return self.title


class CatalogRevision(models.Model):
    """A single row counting changes to the catalog.

    Calendar feeds show role and skill names but store neither, so their ETag
    includes this number: a curator's edit reaches every subscribed calendar.
    """

    number = models.PositiveBigIntegerField(default=0)
    changed_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Catalog revision {self.number}"
