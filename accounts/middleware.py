"""A logged-in learner's pages in the profile's language (after Django's LocaleMiddleware)."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.middleware.locale import LocaleMiddleware as DjangoLocaleMiddleware
from rest_framework.views import APIView

from accounts import languages


def is_api_view(view_func) -> bool:
    view_class = getattr(view_func, "cls", None)
    return isinstance(view_class, type) and issubclass(view_class, APIView)


class ProfileLanguageMiddleware:
    """LocaleMiddleware chose from the switch's cookie or Accept-Language; a learner's profile wins.

    Listed after AuthenticationMiddleware, it acts once the view is known:
    - a page: the profile's language, if a learner is logged in. The profile stays
      cached on ``request.user`` and ``profile_get_or_create`` reuses it, so a page
      that reads the profile anyway makes no extra query;
    - an API view (DRF): nothing here. Its authentication classes pick the language
      (accounts.tokens), and the public calendar feed, which has none, never touches
      the session (no ``Vary: Cookie`` on it).
    Error pages rendered before any view (404, a refused CSRF token) call
    ``languages.activate_for_request`` themselves (config.exceptions).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs) -> None:
        if not is_api_view(view_func):
            languages.activate_for_request(request)


class LocaleMiddleware(DjangoLocaleMiddleware):
    """Django's, except for a response marked ``same_in_every_language`` (the calendar feed):
    no ``Vary: Accept-Language`` and no ``Content-Language`` on a body no language changes."""

    def process_response(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        if getattr(response, "same_in_every_language", False):
            return response
        return super().process_response(request, response)
