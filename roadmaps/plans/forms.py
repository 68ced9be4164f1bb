"""Forms of the pages: they validate and shape input; services do the work."""

from __future__ import annotations

from datetime import date, timedelta
from urllib.parse import urlencode

from django import forms
from django.utils.formats import date_format
from django.utils.functional import lazy
from django.utils.text import format_lazy
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from accounts.forms import TimezoneField
from accounts.models import MAX_WEEKLY_HOURS, MIN_WEEKLY_HOURS, Background, validate_display_text
from roadmaps.catalog import selectors as catalog_selectors
from roadmaps.models import Role, Skill, Track
from roadmaps.models.plans import TaskStatus
from roadmaps.plans import services
from roadmaps.plans.api import MAX_DAYS_AHEAD, MAX_DAYS_BACK, MAX_DAYS_FROM_TODAY, MAX_TARGET_WEEKS
from roadmaps.plans.catchup import KINDS

WEEKDAYS = [
    (1, _("Monday")),
    (2, _("Tuesday")),
    (3, _("Wednesday")),
    (4, _("Thursday")),
    (5, _("Friday")),
    (6, _("Saturday")),
    (7, _("Sunday")),
]
HOURS = [(hour, f"{hour:02d}:00") for hour in range(24)]


class StudyDaysField(forms.TypedMultipleChoiceField):
    widget = forms.CheckboxSelectMultiple

    def __init__(self, **kwargs):
        kwargs.setdefault("label", _("Study days"))
        kwargs.setdefault("error_messages", {"required": _("Choose at least one study day.")})
        super().__init__(choices=WEEKDAYS, coerce=int, **kwargs)

    def clean(self, value):
        return sorted(set(super().clean(value)))


def weekly_hours_field(**kwargs) -> forms.IntegerField:
    return forms.IntegerField(
        label=_("Hours a week"),
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
        error_messages={"required": _("Choose a role."), "invalid_choice": _("Choose a listed role.")},
    )


class TrackStepForm(RoleStepForm):
    track = forms.ModelChoiceField(
        queryset=Track.objects.all(),
        to_field_name="slug",
        error_messages={"required": _("Choose a track."), "invalid_choice": _("Choose a listed track.")},
    )


class SkillsStepForm(TrackStepForm):
    known_skills = forms.ModelMultipleChoiceField(
        queryset=Skill.objects.all(),
        to_field_name="slug",
        required=False,
        label=_("Skills you already have"),
        widget=forms.CheckboxSelectMultiple,
    )


class PlanForm(SkillsStepForm):
    weekly_hours = weekly_hours_field(
        help_text=format_lazy(_("Between {low} and {high}."), low=MIN_WEEKLY_HOURS, high=MAX_WEEKLY_HOURS)
    )
    study_days = StudyDaysField()
    start_date = forms.DateField(label=_("Start date"), widget=forms.DateInput(attrs={"type": "date"}))
    timezone = TimezoneField(help_text=_("Your days start and end on this clock."))
    target_weeks = forms.IntegerField(
        label=_("Finish within (weeks)"),
        required=False,
        min_value=1,
        max_value=MAX_TARGET_WEEKS,
        help_text=_("Optional. Leave empty to go at your own pace, however long it takes."),
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )

    # The fields each step shows; the others travel as hidden inputs.
    SCHEDULE_FIELDS = ("weekly_hours", "study_days", "start_date", "timezone", "target_weeks")

    def __init__(self, *args, today: date, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today

    def describe_target(self, track: Track) -> None:
        weeks = (
            ngettext("%(weeks)d week", "%(weeks)d weeks", track.min_weeks) % {"weeks": track.min_weeks}
            if track.min_weeks == track.max_weeks
            else gettext("%(low)d to %(high)d weeks") % {"low": track.min_weeks, "high": track.max_weeks}
        )
        text = gettext(
            "%(track)s usually takes %(weeks)s. Leave empty to go at your own pace, however long it takes."
        ) % {"track": track.name, "weeks": weeks}
        self.fields["target_weeks"].help_text = text
        # A validated form already holds its bound fields, each with a copy of the text.
        self["target_weeks"].help_text = text

    def clean_start_date(self) -> date:
        start = self.cleaned_data["start_date"]
        earliest, latest = self.today - timedelta(days=MAX_DAYS_BACK), self.today + timedelta(days=MAX_DAYS_AHEAD)
        if not earliest <= start <= latest:
            raise forms.ValidationError(gettext("Choose a start date from a week ago to a year ahead."))
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
                gettext("Use %(hours)s h a week") % {"hours": fix.weekly_hours}
                if fix.weekly_hours != inputs.weekly_hours
                else gettext("Finish within %(weeks)s weeks") % {"weeks": fix.target_weeks}
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
    "required": _("Say how many hours a week you can study."),
    "invalid": _("Write the hours as a whole number, such as 6."),
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
        label=_("Re-plan from"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": _("Write the date as year-month-day, such as 2027-01-31.")},
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
            "required": _("Choose one of the ways back onto your plan."),
            "invalid_choice": _("Choose one of the ways back onto your plan listed here."),
        },
    )


class TaskStatusForm(forms.Form):
    status = forms.ChoiceField(choices=TaskStatus.choices)


FILTERS = [("", _("All")), *TaskStatus.choices, ("overdue", _("Overdue"))]


# The roadmap page's time windows: tasks with a day in this week or in this and next week.
WINDOWS = [("all", _("All")), ("week", _("This week")), ("2weeks", _("Next 2 weeks"))]


class TaskFilterForm(forms.Form):
    status = forms.ChoiceField(choices=FILTERS, required=False)
    show = forms.ChoiceField(choices=WINDOWS, required=False)


# The largest id PostgreSQL's integer column holds: beyond it a task cannot exist.
MAX_ID = 2**31 - 1


class TaskActionForm(forms.Form):
    """The roadmap page's task buttons: the pressed one sends ``<action>=<task id>``.

    One form a milestone carries the buttons of many tasks (one CSRF token, not one
    a task); exactly one of these fields must come.
    """

    ACTIONS = {
        "done": TaskStatus.DONE,
        "start": TaskStatus.IN_PROGRESS,
        "skip": TaskStatus.SKIPPED,
        "undo": TaskStatus.TODO,
    }

    done = forms.IntegerField(required=False, min_value=1, max_value=MAX_ID)
    start = forms.IntegerField(required=False, min_value=1, max_value=MAX_ID)
    skip = forms.IntegerField(required=False, min_value=1, max_value=MAX_ID)
    undo = forms.IntegerField(required=False, min_value=1, max_value=MAX_ID)

    def clean(self) -> dict:
        cleaned = super().clean()
        pressed = [(action, cleaned[action]) for action in self.ACTIONS if cleaned.get(action) is not None]
        if len(pressed) != 1 and not self.errors:
            raise forms.ValidationError(gettext("Send exactly one of done, start, skip or undo, with a task id."))
        if len(pressed) == 1:
            action, cleaned["task_id"] = pressed[0]
            cleaned["status"] = self.ACTIONS[action]
        return cleaned


# --- Settings -----------------------------------------------------------------------


class SettingsForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=150,
        required=False,
        validators=[validate_display_text],
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    background = forms.ChoiceField(
        label=_("Background"), choices=[("", _("Prefer not to say")), *Background.choices], required=False
    )
    timezone = TimezoneField()
    weekly_hours = weekly_hours_field(help_text=_("The default for your next roadmap."))
    study_days = StudyDaysField()
    study_time = forms.TimeField(
        label=_("Study sessions start at"),
        input_formats=["%H:%M"],
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        help_text=_("On your own clock: a study day's first session starts then, the next when it ends."),
        error_messages={
            "required": _("Choose when your study sessions start, such as 19:00."),
            "invalid": _("Write the time as hours and minutes, such as 19:00."),
        },
    )
    all_day_events = forms.BooleanField(
        label=_("In my calendar, show each study day as one all-day event instead of timed sessions"),
        required=False,
    )
    nudges_enabled = forms.BooleanField(label=_("Send me a weekly e-mail with the week's tasks"), required=False)
    nudge_weekday = forms.TypedChoiceField(label=_("Day of the e-mail"), choices=WEEKDAYS, coerce=int)
    nudge_hour = forms.TypedChoiceField(
        label=_("Time of the e-mail"), choices=HOURS, coerce=int, help_text=_("On your own clock.")
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
