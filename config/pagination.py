"""The API's pagination: DRF's page numbers (``?page=N``), answering what its schema says.

The schema documents one query parameter, ``page``, a positive integer, and
describes every field of the envelope. DRF's own class reads an empty
``?page=`` as page 1 and ignores parameters it does not know; here an empty or
non-numeric page is a 404 ("no such page", as DRF answers for ``?page=abc``)
and an unknown parameter is a 400 naming it, so a client's typo (``?pgae=2``)
is not silently answered with page 1. A view with query parameters of its own
names them in ``query_parameters``.
"""

from django.utils.translation import gettext as _
from rest_framework import exceptions, pagination

ALWAYS_ALLOWED = {"format"}
ENVELOPE_DESCRIPTIONS = {
    "count": "How many items there are over all pages.",
    "next": "The URL of the next page; null on the last page.",
    "previous": "The URL of the previous page; null on the first page.",
    "results": "This page's items (at most 50), in the list's order.",
}


class PageNumberPagination(pagination.PageNumberPagination):
    def get_paginated_response_schema(self, schema: dict) -> dict:
        response = super().get_paginated_response_schema(schema)
        for name, description in ENVELOPE_DESCRIPTIONS.items():
            response["properties"][name]["description"] = description
        return response


class StrictPageNumberPagination(PageNumberPagination):
    def paginate_queryset(self, queryset, request, view=None):
        known = {self.page_query_param, *ALWAYS_ALLOWED, *getattr(view, "query_parameters", ())}
        unknown = sorted(set(request.query_params) - known)
        if unknown:
            raise exceptions.ValidationError(dict.fromkeys(unknown, [_("Unknown query parameter.")]))
        page = request.query_params.get(self.page_query_param)
        if page is not None and not page.isdigit():
            raise exceptions.NotFound(_("Invalid page."))
        return super().paginate_queryset(queryset, request, view)
