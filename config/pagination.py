"""Page-number pagination that answers what its schema says.

The schema documents one query parameter, ``page``, a positive integer. DRF's own
class reads an empty ``?page=`` as page 1 and ignores parameters it does not know;
here an empty or non-numeric page is a 404 ("no such page", as DRF answers for
``?page=abc``) and an unknown parameter is a 400 naming it, so a client's typo
(``?pgae=2``) is not silently answered with page 1.
"""

from rest_framework import exceptions
from rest_framework.pagination import PageNumberPagination

ALWAYS_ALLOWED = {"format"}


class StrictPageNumberPagination(PageNumberPagination):
    def paginate_queryset(self, queryset, request, view=None):
        unknown = sorted(set(request.query_params) - {self.page_query_param} - ALWAYS_ALLOWED)
        if unknown:
            raise exceptions.ValidationError(dict.fromkeys(unknown, ["Unknown query parameter."]))
        page = request.query_params.get(self.page_query_param)
        if page is not None and not page.isdigit():
            raise exceptions.NotFound("Invalid page.")
        return super().paginate_queryset(queryset, request, view)
