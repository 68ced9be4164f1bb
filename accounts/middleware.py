"""A logged-in learner's pages in the profile's language (after Django's LocaleMiddleware)."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils import translation

from accounts import languages


class ProfileLanguageMiddleware:
    """LocaleMiddleware chose from the cookie or Accept-Language; a learner's profile wins.

    Listed after AuthenticationMiddleware. The profile it loads stays cached on
    ``request.user``, and ``profile_get_or_create`` reuses it, so a page that reads
    the profile anyway makes no extra query. API calls with a token are handled by
    the token authentication (accounts.tokens), which runs inside the view.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            language = languages.of_user(user)
            if language is not None:
                translation.activate(language)
                request.LANGUAGE_CODE = language
        return self.get_response(request)
