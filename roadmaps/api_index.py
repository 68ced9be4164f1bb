"""``GET /api/``: the API's entry point, listing its resources by name (no login needed).

A client (or a person with curl) starts here and follows the links; each value is
an absolute URL. A new top-level resource gets a line in ``RESOURCES``, and the
schema describes it from there.
"""

from django.urls import reverse
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

# name in the index -> (URL name, what a client finds there)
RESOURCES: dict[str, tuple[str, str]] = {
    "register": ("api-register", "POST an email and password to create an account and get its token."),
    "token": ("api-token", "POST an email and password to get the account's API token."),
    "me": ("api-me", "The signed-in learner's profile (GET, PATCH)."),
    "roles": ("role-list", "Target roles in AI and data (catalog, no login)."),
    "tracks": ("track-list", "Roadmap templates with their phases and milestones (catalog, no login)."),
    "skills": ("skill-list", "Skills the catalog's roles and milestones name (catalog, no login)."),
    "roadmaps": ("roadmap-list", "The learner's roadmaps: create, list, re-plan, progress, tasks."),
    "calendar": ("calendar", "The learner's iCal feed address (GET), rotation and revocation."),
    "schema": ("api-schema", "This API's OpenAPI 3 schema."),
    "docs": ("api-docs", "Interactive API documentation (Swagger UI)."),
}

ApiIndexSerializer = inline_serializer(
    name="ApiIndex",
    fields={
        name: serializers.URLField(help_text=f"Absolute URL. {description}")
        for name, (_url_name, description) in RESOURCES.items()
    },
)


class ApiIndexView(APIView):
    permission_classes = [AllowAny]
    authentication_classes: list = []

    @extend_schema(operation_id="api_index", responses={200: ApiIndexSerializer})
    def get(self, request: Request) -> Response:
        return Response(
            {name: request.build_absolute_uri(reverse(url_name)) for name, (url_name, _) in RESOURCES.items()}
        )
