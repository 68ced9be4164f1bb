"""Response fixes that apply to every page and API answer."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse


class NotModifiedWithoutLengthMiddleware:
    """Drop the ``Content-Length: 0`` Django's CommonMiddleware puts on 304 answers.

    RFC 9110 8.6: a 304 may carry Content-Length only if it equals the length the
    200 would have had; 0 tells caches the representation is empty. Listed
    before CommonMiddleware, so it sees the answer after it.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.status_code == 304 and "Content-Length" in response:
            del response["Content-Length"]
        return response
