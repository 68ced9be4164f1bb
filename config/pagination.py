"""The API's pagination: DRF's page numbers (``?page=N``), with every field of the envelope described in the schema."""

from rest_framework import pagination

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
