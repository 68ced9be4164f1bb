"""Account pages: sign-up here; log in, log out and password reset are Django's own views."""

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.forms import SetPasswordForm
from django.contrib.auth.views import LoginView, LogoutView, PasswordResetConfirmView
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.debug import sensitive_post_parameters
from rest_framework.throttling import SimpleRateThrottle

from accounts import services, tokens
from accounts.forms import SignupForm


@sensitive_post_parameters("password")
def signup(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("dashboard")
    form = SignupForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            user = form.register()
        except services.EmailTaken:
            return render(request, "accounts/signup.html", {"form": form}, status=400)
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        return redirect("onboarding")
    status = 400 if form.is_bound else 200
    return render(request, "accounts/signup.html", {"form": form}, status=status)


class LoginThrottle(SimpleRateThrottle):
    """Per client address, in the same cache slot as the API's token login ("login" scope)."""

    scope = "login"

    def get_cache_key(self, request, view) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class ThrottledLoginView(LoginView):
    """Django's login page; password guessing gets the API's limit, not a free path."""

    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def post(self, request, *args, **kwargs):
        if not LoginThrottle().allow_request(request, self):
            form = self.get_form()
            form.is_bound = False  # show the form again without judging the answers
            context = self.get_context_data(form=form, throttled=True)
            return self.render_to_response(context, status=429)
        return super().post(request, *args, **kwargs)


class LogoutEverywhereView(LogoutView):
    """Django's log-out, every API token of the learner stops working with it, then a message saying it worked."""

    def post(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            tokens.api_tokens_revoke_all(user=request.user)
        response = super().post(request, *args, **kwargs)
        messages.success(request, "You are logged out. See you soon.")
        return response


class ResetPasswordForm(SetPasswordForm):
    """Django's form; the password is set through the service, which revokes the API tokens."""

    def save(self, commit: bool = True):
        services.user_set_password(user=self.user, password=self.cleaned_data["new_password1"])
        return self.user


class ResetPasswordConfirmView(PasswordResetConfirmView):
    form_class = ResetPasswordForm
