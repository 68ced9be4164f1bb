"""Account pages: sign-up here; log in, log out and password reset are Django's own views."""

from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import SetPasswordForm
from django.contrib.auth.views import LoginView, LogoutView, PasswordResetConfirmView
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.http import content_disposition_header
from django.utils.translation import check_for_language
from django.utils.translation import gettext as _
from django.views import i18n
from django.views.decorators.debug import sensitive_post_parameters

from accounts import backends, languages, personal_data, services, tokens, verification
from accounts.forms import AccountDeleteForm, SignupForm
from accounts.throttles import SIGN_IN, SIGN_UP, seconds_to_wait, throttle_posts


@sensitive_post_parameters("password")
@throttle_posts(*SIGN_UP)
def signup(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("dashboard")
    form = SignupForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            user = form.register(language=languages.of_request())
        except services.EmailTaken:
            return render(request, "accounts/signup.html", {"form": form}, status=400)
        login(request, user, backend=backends.PATH)
        return redirect("onboarding")
    status = 400 if form.is_bound else 200
    return render(request, "accounts/signup.html", {"form": form}, status=status)


class ThrottledLoginView(LoginView):
    """Django's login page; password guessing gets the API's limits (per address and per
    account), not a free path; django-axes locks an account out for an address after
    repeated failures."""

    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def post(self, request, *args, **kwargs):
        wait = seconds_to_wait(request, SIGN_IN)
        if wait is not None:
            form = self.get_form()
            form.is_bound = False  # show the form again without judging the answers
            context = self.get_context_data(form=form, throttled=True)
            response = self.render_to_response(context, status=429)
            response["Retry-After"] = str(wait)
            return response
        return super().post(request, *args, **kwargs)


class LogoutEverywhereView(LogoutView):
    """Django's log-out, every API token of the learner stops working with it, then a message saying it worked."""

    def post(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            tokens.api_tokens_revoke_all(user=request.user)
        response = super().post(request, *args, **kwargs)
        messages.success(request, _("You are logged out. See you soon."))
        return response


class ResetPasswordForm(SetPasswordForm):
    """Django's form; the password is set through the service, which revokes the API tokens."""

    def save(self, commit: bool = True):
        services.user_set_password(user=self.user, password=self.cleaned_data["new_password1"])
        return self.user


class ResetPasswordConfirmView(PasswordResetConfirmView):
    form_class = ResetPasswordForm


DATA_FILENAME = "roadmap-planner-data.json"


@login_required
def my_data(request: HttpRequest) -> HttpResponse:
    """The settings page's "Download your data": the same JSON as ``GET /api/me/export/``."""
    data = personal_data.personal_data_export(user=request.user)
    response = JsonResponse(data, json_dumps_params={"indent": 2})
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename="roadmap-planner-data.json"
    )
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@sensitive_post_parameters("password")
def delete_account(request: HttpRequest) -> HttpResponse:
    """Delete the account and all its data, once the password is confirmed."""
    form = AccountDeleteForm(request.user, request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        personal_data.account_delete(user=request.user)
        logout(request)
        messages.success(request, _("Your account and all its data are deleted."))
        return redirect("home")
    status = 400 if form.is_bound else 200
    return render(request, "accounts/delete_account.html", {"form": form}, status=status)


def verify_email(request: HttpRequest, key: str) -> HttpResponse:
    """The link of the verification mail: a button, since mail scanners follow links (GET)."""
    if request.method == "POST":
        user = verification.verification_confirm(key=key, request=request)
        if user is not None:
            messages.success(request, _("Your e-mail address is confirmed."))
            return redirect("dashboard" if request.user.is_authenticated else "login")
        return render(request, "accounts/verify_email.html", {"invalid": True}, status=400)
    return render(request, "accounts/verify_email.html", {})


def set_language(request: HttpRequest) -> HttpResponse:
    """The language switch of every page: Django's ``set_language`` (a cookie, back to
    ``next``), and a logged-in learner's profile keeps the choice (mails follow it too)."""
    code = request.POST.get("language", "") if request.method == "POST" else ""
    if code not in languages.SUPPORTED:
        # Django's view would keep any language it has a catalog for (German, say) in the cookie.
        request.POST = request.POST.copy()
        request.POST["language"] = ""
    response = i18n.set_language(request)
    if request.user.is_authenticated and code in languages.SUPPORTED and check_for_language(code):
        services.profile_language_set(user=request.user, language=code)
    return response
