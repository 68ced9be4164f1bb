"""The public progress page (no login: the token in the address is the credential) and its settings page."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_safe

from roadmaps.portfolio import selectors, services


@require_safe
def public_page(request: HttpRequest, token: str) -> HttpResponse:
    portfolio = selectors.portfolio_by_token(token)
    if portfolio is None:
        raise Http404("No such page.")
    today = portfolio.user.profile.local_today(timezone.now())
    roadmaps = selectors.public_roadmaps(portfolio, today=today)
    name = selectors.display_name(portfolio)
    context = {
        "name": name,
        "roles": sorted({roadmap.role for roadmap in roadmaps}),
        "roadmaps": roadmaps,
        "milestones_done": sum(roadmap.milestones_done for roadmap in roadmaps),
        "page_url": services.portfolio_url(portfolio),
        "discoverable": portfolio.discoverable,
    }
    response = render(request, "roadmaps/portfolio/public.html", context)
    if not portfolio.discoverable:
        response["X-Robots-Tag"] = "noindex, nofollow"
    # The address is the secret: it must not leak to the sites the evidence links point at,
    # and a page turned off must not be served from a cache.
    response["Referrer-Policy"] = "no-referrer"
    response["Cache-Control"] = "no-store"
    return response


class PortfolioForm(forms.Form):
    public = forms.BooleanField(required=False, label=_("Share my progress page"))
    discoverable = forms.BooleanField(
        required=False,
        label=_("Let search engines list it"),
        help_text=_("Off: the page asks search engines not to index it; only people you give the address to find it."),
    )


@login_required
def manage_page(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        form = PortfolioForm(request.POST)
        if form.is_valid():
            portfolio = services.portfolio_set(user=request.user, **form.cleaned_data)
            messages.success(
                request,
                gettext("Your progress page is public.") if portfolio.public else gettext("Your progress page is off."),
            )
            return redirect("portfolio-page")
    portfolio = selectors.portfolio_of(request.user)
    state = services.portfolio_payload(portfolio)
    form = PortfolioForm(initial={"public": state["public"], "discoverable": state["discoverable"]})
    return render(request, "roadmaps/portfolio/manage.html", {"form": form, **state})
