"""``GET/POST /api/me/portfolio/``: the learner's public progress page, off by default."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from roadmaps.portfolio import selectors, services


class PortfolioSerializer(serializers.Serializer):
    public = serializers.BooleanField(help_text="Whether the public progress page is on.")
    url = serializers.URLField(allow_null=True, help_text="The page's address (no login needed); null while off.")
    discoverable = serializers.BooleanField(help_text="Search engines may index the page; false by default.")


class PortfolioUpdateSerializer(serializers.Serializer):
    public = serializers.BooleanField(help_text="True turns the public progress page on, false turns it off.")
    discoverable = serializers.BooleanField(
        required=False, help_text="Let search engines index the page; default false."
    )


class PortfolioView(APIView):
    @extend_schema(responses={200: PortfolioSerializer})
    def get(self, request):
        return Response(services.portfolio_payload(selectors.portfolio_of(request.user)))

    @extend_schema(request=PortfolioUpdateSerializer, responses={200: PortfolioSerializer})
    def post(self, request):
        update = PortfolioUpdateSerializer(data=request.data)
        update.is_valid(raise_exception=True)
        portfolio = services.portfolio_set(user=request.user, **update.validated_data)
        return Response(services.portfolio_payload(portfolio))
