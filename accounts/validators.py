"""Password rules Django's own validators do not cover (AUTH_PASSWORD_VALIDATORS names this)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


class NotOnlyWhitespaceValidator:
    """Eight spaces pass the length check and are in no list of common passwords: refused here."""

    def validate(self, password: str, user=None) -> None:
        if not password.strip():
            raise ValidationError(_("Your password cannot be only spaces."), code="password_only_whitespace")

    def get_help_text(self) -> str:
        return _("Your password cannot be only spaces.")
