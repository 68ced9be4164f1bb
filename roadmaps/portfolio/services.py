"""Writes to the learner's portfolio setting; each function owns its transaction."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.urls import reverse

from roadmaps.models import Portfolio


def portfolio_set(*, user, public: bool, discoverable: bool | None = None) -> Portfolio:
    """Turn the page on or off; on again after off draws a new address, the old one stays dead."""
    with transaction.atomic():
        portfolio, _ = Portfolio.objects.select_for_update().get_or_create(user=user)
        if public and not portfolio.public:
            portfolio.publish()
        elif not public and portfolio.public:
            portfolio.unpublish()
        if discoverable is not None:
            portfolio.discoverable = discoverable
        portfolio.save()
    return portfolio


def portfolio_url(portfolio: Portfolio | None) -> str | None:
    if portfolio is None or not portfolio.public:
        return None
    return settings.SITE_URL + reverse("portfolio-public", kwargs={"token": portfolio.token})


def portfolio_payload(portfolio: Portfolio | None) -> dict:
    return {
        "public": bool(portfolio and portfolio.public),
        "url": portfolio_url(portfolio),
        "discoverable": bool(portfolio and portfolio.discoverable),
    }
