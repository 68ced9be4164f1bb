"""Forms of the account pages: validation only; accounts.services does the writing."""

from __future__ import annotations

from functools import cache

from django import forms
from django.contrib.auth import password_validation

from accounts import services
from accounts.models import User, iana_zone_names, validate_display_text

TAKEN_MESSAGE = "An account with this e-mail already exists. Log in or reset your password."


@cache
def timezone_choices() -> list[tuple[str, str]]:
    """Every IANA zone name, sorted, for a <select>; built once per process."""
    return [(name, name.replace("_", " ")) for name in sorted(iana_zone_names())]


class TimezoneField(forms.ChoiceField):
    def __init__(self, **kwargs):
        kwargs.setdefault("label", "Time zone")
        super().__init__(choices=timezone_choices, **kwargs)


class SignupForm(forms.Form):
    email = forms.EmailField(
        label="E-mail address",
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}),
    )
    name = forms.CharField(
        label="Name",
        max_length=150,
        required=False,
        validators=[validate_display_text],
        help_text="Optional: how we greet you in e-mails.",
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    password = forms.CharField(
        label="Password",
        strip=False,
        max_length=128,
        help_text=password_validation.password_validators_help_text_html(),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    # The page's script preselects the browser's own zone; without it, UTC.
    timezone = TimezoneField(
        initial="UTC",
        help_text="Study days and weekly e-mails follow this clock.",
        widget=forms.Select(attrs={"data-detect-timezone": ""}),
    )

    def clean_email(self) -> str:
        email = self.cleaned_data["email"]
        if services.email_is_taken(email):
            raise forms.ValidationError(TAKEN_MESSAGE)
        return email

    def clean(self):
        cleaned = super().clean()
        password = cleaned.get("password")
        if password and "email" in cleaned:
            candidate = User(email=cleaned["email"], name=cleaned.get("name", ""))
            try:
                password_validation.validate_password(password, user=candidate)
            except forms.ValidationError as error:
                self.add_error("password", error)
        return cleaned

    def register(self) -> User:
        """Create the account; a race on the same e-mail becomes a form error."""
        data = self.cleaned_data
        try:
            return services.user_register(
                email=data["email"],
                password=data["password"],
                name=data["name"],
                timezone_name=data["timezone"],
            )
        except services.EmailTaken:
            self.add_error("email", TAKEN_MESSAGE)
            raise


class AccountDeleteForm(forms.Form):
    password = forms.CharField(
        label="Your password",
        strip=False,
        max_length=128,
        help_text="Deleting removes your roadmaps, your calendar feed and everything else, at once.",
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, user: User, *args, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError("This is not your password.")
        return password
