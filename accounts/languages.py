"""Which language a learner reads: the profile's ``language`` (English or French).

- Pages: Django's LocaleMiddleware picks the cookie of the language switch or the
  Accept-Language header; for a logged-in learner the profile's language wins
  (accounts.middleware). The switch saves the profile too (``set_language``).
- API: calls with a token or a session answer in the profile's language (the
  authentication classes in accounts.tokens); sign-up, token login and the
  catalog follow Accept-Language.
- Mails: rendered in the recipient's language (``override_for``), whatever the
  request's: Celery tasks have none.
- Sign-up: the profile starts with the language the request was answered in.
"""

from __future__ import annotations

from contextlib import AbstractContextManager

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.utils import translation

from accounts.models import Language, User

SUPPORTED = frozenset(code for code, _ in settings.LANGUAGES)


def normalize(code: str | None) -> str:
    """A supported language for a code such as 'fr-CA' or 'en-us'; English otherwise."""
    base = (code or "").split("-")[0].split("_")[0].lower()
    return base if base in SUPPORTED else Language.ENGLISH.value


def of_user(user: User) -> str | None:
    """The language of ``user``'s profile (cached on the user), None without a profile."""
    try:
        return user.profile.language
    except ObjectDoesNotExist:
        return None


def activate_for(user) -> None:
    """The rest of this request in ``user``'s language (when the user has a profile)."""
    language = of_user(user)
    if language is not None:
        translation.activate(language)


def activate_for_request(request) -> None:
    """A page's request: in the logged-in learner's language; a visitor's stays as LocaleMiddleware chose."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        activate_for(user)
        request.LANGUAGE_CODE = translation.get_language()


def override_for(user: User) -> AbstractContextManager:
    """``with override_for(user):`` renders mails in the recipient's language."""
    return translation.override(of_user(user) or settings.LANGUAGE_CODE)


def of_request() -> str:
    """The language the current request is answered in (LocaleMiddleware chose it)."""
    return normalize(translation.get_language())
