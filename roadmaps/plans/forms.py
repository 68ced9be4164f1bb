"""Forms of the pages: they validate and shape input; services do the work."""

from __future__ import annotations

from datetime import date, timedelta
from urllib.parse import urlencode

from django import forms
from django.utils.formats import date_format
from django.utils.functional import lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _lazy

from accounts.forms import TimezoneField
from accounts.models import MAX_WEEKLY_HOURS, MIN_WEEKLY_HOURS, Background, validate_display_text
from roadmaps.catalog import selectors as catalog_selectors
from roadmaps.models import Role, Skill, Track
from roadmaps.models.plans import TaskStatus
from roadmaps.plans import services
from roadmaps.plans.api import MAX_DAYS_AHEAD, MAX_DAYS_BACK, MAX_DAYS_FROM_TODAY, MAX_TARGET_WEEKS
from roadmaps.plans.catchup import KINDS

WEEKDAYS = [
    (1, _lazy("Monday")),
    (2, _lazy("Tuesday")),
    (3, _lazy("Wednesday")),
    (4, _lazy("Thursday")),
    (5, _lazy("Friday")),
    (6, _lazy("Saturday")),
    (7, _lazy("Sunday")),
]
HOURS = [(hour, f"{hour:02d}:00") for hour in range(24)]


class StudyDaysField(forms.TypedMultipleChoiceField):
    widget = forms.CheckboxSelectMultiple

    def __init__(self, **kwargs):
        kwargs.setdefault("label", _lazy("Study days"))
        kwargs.setdefault("error_messages", {"required": _lazy("Choose at least one study day.")})
        super().__init__(choices=WEEKDAYS, coerce=int, **kwargs)

    def clean(self, value):
        return sorted(set(super().clean(value)))


def weekly_hours_field(**kwargs) -> forms.IntegerField:
    return forms.IntegerField(
        label=_lazy("Hours a week"),
        min_value=MIN_WEEKLY_HOURS,
        max_value=MAX_WEEKLY_HOURS,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
        **kwargs,
    )


# --- Onboarding: each step's form holds the choices of the steps before it -------


class RoleStepForm(forms.Form):
    role = forms.ModelChoiceField(
        queryset=Role.objects.all(),
        to_field_name="slug",
        error_messages={"required": "Choose a role.", "invalid_choice": "Choose a listed role."},
    )


class TrackStepForm(RoleStepForm):
    track = forms.ModelChoiceField(
        queryset=Track.objects.all(),
        to_field_name="slug",
        error_messages={"required": "Choose a track.", "invalid_choice": "Choose a listed track."},
    )


class SkillsStepForm(TrackStepForm):
    known_skills = forms.ModelMultipleChoiceField(
        queryset=Skill.objects.all(),
        to_field_name="slug",
        required=False,
        label="Skills you already have",
        widget=forms.CheckboxSelectMultiple,
    )


class PlanForm(SkillsStepForm):
    weekly_hours = weekly_hours_field(help_text=f"Between {MIN_WEEKLY_HOURS} and {MAX_WEEKLY_HOURS}.")
    study_days = StudyDaysField()
    start_date = forms.DateField(label="Start date", widget=forms.DateInput(attrs={"type": "date"}))
    timezone = TimezoneField(help_text="Your days start and end on this clock.")
    target_weeks = forms.IntegerField(
        label="Finish within (weeks)",
        required=False,
        min_value=1,
        max_value=MAX_TARGET_WEEKS,
        help_text="Optional. Leave empty to go at your own pace, however long it takes.",
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )

    # The fields each step shows; the others travel as hidden inputs.
    SCHEDULE_FIELDS = ("weekly_hours", "study_days", "start_date", "timezone", "target_weeks")

    def __init__(self, *args, today: date, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today

    def describe_target(self, track: Track) -> None:
        weeks = (
            f"{track.min_weeks} weeks"
            if track.min_weeks == track.max_weeks
            else f"{track.min_weeks} to {track.max_weeks} weeks"
        )
        text = f"{track.name} usually takes {weeks}. Leave empty to go at your own pace, however long it takes."
        self.fields["target_weeks"].help_text = text
        # A validated form already holds its bound fields, each with a copy of the text.
        self["target_weeks"].help_text = text

    def clean_start_date(self) -> date:
        start = self.cleaned_data["start_date"]
        earliest, latest = self.today - timedelta(days=MAX_DAYS_BACK), self.today + timedelta(days=MAX_DAYS_AHEAD)
        if not earliest <= start <= latest:
            raise forms.ValidationError("Choose a start date from a week ago to a year ahead.")
        return start

    def plan_inputs(self) -> services.PlanInputs:
        data = self.cleaned_data
        return services.PlanInputs(
            role=data["role"],
            track=catalog_selectors.tracks_with_milestones().get(pk=data["track"].pk),
            start_date=data["start_date"],
            weekly_hours=data["weekly_hours"],
            study_days=data["study_days"],
            known_skills=sorted(skill.slug for skill in data["known_skills"]),
            target_weeks=data["target_weeks"],
        )

    def reject(self, error: services.PlanRejected) -> list[dict]:
        """Show the planner's refusal on the input it names; the fixes, as query strings for one-click buttons."""
        inputs = self.plan_inputs()
        timezone = self.cleaned_data["timezone"]
        self.add_error(error.field if error.field in self.fields else None, error.message)
        fixes = []
        for fix in services.plan_fixes(inputs, error):
            if fix.drop_milestones:
                continue  # the onboarding form has no way to carry dropped milestones
            query = fix.as_body()
            query.update(timezone=timezone, target_weeks=fix.target_weeks or "")
            query.pop("blocked_dates", None)
            query.pop("buffer_weeks", None)
            label = (
                f"Use {fix.weekly_hours} h a week"
                if fix.weekly_hours != inputs.weekly_hours
                else f"Finish within {fix.target_weeks} weeks"
            )
            fixes.append({"label": label, "query": urlencode(query, doseq=True)})
        return fixes

    def profile_defaults(self) -> dict:
        """What the learner chose here becomes their profile's defaults."""
        data = self.cleaned_data
        return {
            "timezone": data["timezone"],
            "weekly_hours": data["weekly_hours"],
            "study_days": data["study_days"],
            "known_skills": list(data["known_skills"]),
        }


# --- Roadmap and tasks --------------------------------------------------------------


def _hours_out_of_range() -> str:
    return gettext("Choose between %(min)s and %(max)s hours a week.") % {
        "min": MIN_WEEKLY_HOURS,
        "max": MAX_WEEKLY_HOURS,
    }


def _hours_help() -> str:
    return gettext("Between %(min)s and %(max)s.") % {"min": MIN_WEEKLY_HOURS, "max": MAX_WEEKLY_HOURS}


HOURS_OUT_OF_RANGE = lazy(_hours_out_of_range, str)()
HOURS_ERRORS = {
    "required": _lazy("Say how many hours a week you can study."),
    "invalid": _lazy("Write the hours as a whole number, such as 6."),
    "min_value": HOURS_OUT_OF_RANGE,
    "max_value": HOURS_OUT_OF_RANGE,
}


class ReplanForm(forms.Form):
    """Both optional: the dashboard's button sends neither and keeps the roadmap's pace."""

    weekly_hours = weekly_hours_field(required=False, error_messages=HOURS_ERRORS)
    study_days = StudyDaysField(required=False)

    def clean_study_days(self) -> list[int] | None:
        return self.cleaned_data["study_days"] or None

    @classmethod
    def for_roadmap(cls, roadmap) -> ReplanForm:
        return cls(initial={"weekly_hours": roadmap.weekly_hours, "study_days": roadmap.study_days})


class PaceForm(forms.Form):
    """The pace page: the roadmap's hours a week and study days, both required, in the learner's words,
    and the day the re-plan starts from (the API's ``from_date`` rules; empty means today)."""

    weekly_hours = weekly_hours_field(help_text=lazy(_hours_help, str)(), error_messages=HOURS_ERRORS)
    study_days = StudyDaysField()
    from_date = forms.DateField(
        label=_lazy("Re-plan from"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": _lazy("Write the date as year-month-day, such as 2027-01-31.")},
    )

    def __init__(self, data=None, *args, roadmap, today: date, **kwargs):
        default_from = max(today, roadmap.start_date)
        if data is not None and not data.get("from_date"):
            data = data.copy()  # left empty: the field shows the day the re-plan then starts from
            data["from_date"] = default_from.isoformat()
        super().__init__(data, *args, **kwargs)
        self.roadmap, self.today, self.default_from = roadmap, today, default_from
        self.earliest = roadmap.start_date
        self.latest = today + timedelta(days=MAX_DAYS_FROM_TODAY)
        field = self.fields["from_date"]
        field.widget.attrs.update(min=self.earliest.isoformat(), max=self.latest.isoformat())
        field.help_text = gettext(
            "Unfinished tasks start on or after this day: any day from the roadmap's start (%(earliest)s) "
            "to a year from today (%(latest)s)."
        ) % {"earliest": date_format(self.earliest, "j F Y"), "latest": date_format(self.latest, "j F Y")}

    @classmethod
    def for_roadmap(cls, roadmap, *, today: date) -> PaceForm:
        initial = {
            "weekly_hours": roadmap.weekly_hours,
            "study_days": roadmap.study_days,
            "from_date": max(today, roadmap.start_date),
        }
        return cls(initial=initial, roadmap=roadmap, today=today)

    def clean_from_date(self) -> date:
        """The API's re-plan rules: on or after the roadmap's start, at most a year after today."""
        value = self.cleaned_data["from_date"]
        if value is None:
            return self.default_from
        if value < self.earliest:
            raise forms.ValidationError(
                gettext("Re-plan from a date on or after the roadmap's start date (%(day)s).")
                % {"day": date_format(self.earliest, "j F Y")}
            )
        if value > self.latest:
            raise forms.ValidationError(
                gettext("Re-plan from a date within a year of today (by %(day)s).")
                % {"day": date_format(self.latest, "j F Y")}
            )
        return value

    def hours_fix(self) -> int | None:
        """For hours out of range, the nearest hours that are in range (offered as one click)."""
        raw = self.data.get("weekly_hours", "")
        try:
            hours = int(raw)
        except (TypeError, ValueError):
            return None
        if hours < MIN_WEEKLY_HOURS:
            return MIN_WEEKLY_HOURS
        if hours > MAX_WEEKLY_HOURS:
            return MAX_WEEKLY_HOURS
        return None


class CatchUpChoiceForm(forms.Form):
    kind = forms.ChoiceField(
        choices=[(kind, kind) for kind in KINDS],
        error_messages={
            "required": _lazy("Choose one of the ways back onto your plan."),
            "invalid_choice": _lazy("Choose one of the ways back onto your plan listed here."),
        },
    )


class TaskStatusForm(forms.Form):
    status = forms.ChoiceField(choices=TaskStatus.choices)


FILTERS = [("", "All"), *TaskStatus.choices, ("overdue", "Overdue")]


class TaskFilterForm(forms.Form):
    status = forms.ChoiceField(choices=FILTERS, required=False)


# --- Settings -----------------------------------------------------------------------


class SettingsForm(forms.Form):
    name = forms.CharField(
        label="Name",
        max_length=150,
        required=False,
        validators=[validate_display_text],
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    background = forms.ChoiceField(
        label="Background", choices=[("", "Prefer not to say"), *Background.choices], required=False
    )
    timezone = TimezoneField()
    weekly_hours = weekly_hours_field(help_text="The default for your next roadmap.")
    study_days = StudyDaysField()
    study_time = forms.TimeField(
        label=_lazy("Study sessions start at"),
        input_formats=["%H:%M"],
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        help_text=_lazy("On your own clock: a study day's first session starts then, the next when it ends."),
        error_messages={
            "required": _lazy("Choose when your study sessions start, such as 19:00."),
            "invalid": _lazy("Write the time as hours and minutes, such as 19:00."),
        },
    )
    all_day_events = forms.BooleanField(
        label=_lazy("In my calendar, show each study day as one all-day event instead of timed sessions"),
        required=False,
    )
    nudges_enabled = forms.BooleanField(label="Send me a weekly e-mail with the week's tasks", required=False)
    nudge_weekday = forms.TypedChoiceField(label="Day of the e-mail", choices=WEEKDAYS, coerce=int)
    nudge_hour = forms.TypedChoiceField(
        label="Time of the e-mail", choices=HOURS, coerce=int, help_text="On your own clock."
    )

    @classmethod
    def initial_from(cls, profile) -> dict:
        return {
            "name": profile.user.name,
            "background": profile.background,
            "timezone": profile.timezone,
            "weekly_hours": profile.weekly_hours,
            "study_days": profile.study_days,
            "study_time": profile.study_time,
            "all_day_events": profile.all_day_events,
            "nudges_enabled": profile.nudges_enabled,
            "nudge_weekday": profile.nudge_weekday,
            "nudge_hour": profile.nudge_hour,
        }

    def changes(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.changed_data}
