"""Forms of the account pages: validation only; accounts.services does the writing."""

from __future__ import annotations

from django import forms
from django.contrib.auth import password_validation
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as gettext_now
from django.utils.translation import gettext_lazy as _

from accounts import services, timezones
from accounts.models import User, validate_display_text


def taken_message() -> str:
    """The duplicate-address error, with the two ways on as links (the page shows it as HTML)."""
    return format_html(
        gettext_now(
            'An account with this e-mail already exists. <a href="{}">Log in</a> or '
            '<a href="{}">reset your password</a>.'
        ),
        reverse("login"),
        reverse("password_reset"),
    )


class TimezoneSelect(forms.Select):
    """The grouped zones; a valid zone the list leaves out (an old alias) is shown when it is the value."""

    template_name = "accounts/widgets/timezone_select.html"

    def optgroups(self, name, value, attrs=None):
        groups = super().optgroups(name, value, attrs)
        current = next((item for item in value if item), None)
        if current and current not in timezones.listed_names() and timezones.is_valid_zone(current):
            option = self.create_option(name, current, current.replace("_", " "), True, len(groups))
            groups.insert(0, (None, [option], 0))
        return groups


class TimezoneField(forms.ChoiceField):
    """Common zones first, then by region; any valid IANA zone is accepted (not "Factory" and the like)."""

    widget = TimezoneSelect

    def __init__(self, **kwargs):
        kwargs.setdefault("label", _("Time zone"))
        super().__init__(choices=timezones.grouped_choices, **kwargs)

    def valid_value(self, value) -> bool:
        return timezones.is_valid_zone(str(value))


class SignupForm(forms.Form):
    email = forms.EmailField(
        label=_("E-mail address"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}),
    )
    name = forms.CharField(
        label=_("Name"),
        max_length=150,
        required=False,
        validators=[validate_display_text],
        help_text=_("Optional: how we greet you in e-mails."),
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        max_length=128,
        help_text=password_validation.password_validators_help_text_html(),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    # The page's script preselects the browser's own zone; without it, UTC.
    timezone = TimezoneField(
        initial="UTC",
        help_text=_("Study days and weekly e-mails follow this clock."),
        widget=TimezoneSelect(attrs={"data-detect-timezone": ""}),
    )

    def clean_email(self) -> str:
        email = self.cleaned_data["email"]
        if services.email_is_taken(email):
            raise forms.ValidationError(taken_message())
        return email

    def clean(self):
        cleaned = super().clean()
        password = cleaned.get("password")
        # Judged even when the e-mail is not valid yet: every problem shows at once.
        if password:
            candidate = User(email=cleaned.get("email", ""), name=cleaned.get("name", ""))
            try:
                password_validation.validate_password(password, user=candidate)
            except forms.ValidationError as error:
                self.add_error("password", error)
        return cleaned

    def register(self, *, language: str = "en") -> User:
        """Create the account (in the page's language); a race on the same e-mail becomes a form error."""
        data = self.cleaned_data
        try:
            return services.user_register(
                email=data["email"],
                password=data["password"],
                name=data["name"],
                timezone_name=data["timezone"],
                language=language,
            )
        except services.EmailTaken:
            self.add_error("email", taken_message())
            raise


class AccountDeleteForm(forms.Form):
    password = forms.CharField(
        label=_("Your password"),
        strip=False,
        max_length=128,
        help_text=_("Deleting removes your roadmaps, your calendar feed and everything else, at once."),
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, user: User, *args, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError(gettext_now("This is not your password."))
        return password
