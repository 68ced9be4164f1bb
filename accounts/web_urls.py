"""The account pages, mounted at the site root (the API's are under /api/)."""

from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy

from accounts import views
from accounts.services import RecipientLanguagePasswordResetForm
from accounts.throttles import PASSWORD_RESET, throttle_posts

# Template names live under accounts/: the admin app, listed first in
# INSTALLED_APPS, ships its own registration/*.html that would win otherwise.
urlpatterns = [
    path("signup/", views.signup, name="signup"),
    path("language/", views.set_language, name="set_language"),
    path("login/", views.ThrottledLoginView.as_view(), name="login"),
    path("logout/", views.LogoutEverywhereView.as_view(), name="logout"),
    path("settings/data/", views.my_data, name="my-data"),
    path("verify-email/<str:key>/", views.verify_email, name="verify-email"),
    path("settings/delete/", views.delete_account, name="delete-account"),
    path(
        "password-reset/",
        throttle_posts(*PASSWORD_RESET)(
            auth_views.PasswordResetView.as_view(
                template_name="accounts/password_reset_form.html",
                form_class=RecipientLanguagePasswordResetForm,
                email_template_name="accounts/email/password_reset.txt",
                subject_template_name="accounts/email/password_reset_subject.txt",
                success_url=reverse_lazy("password_reset_done"),
            )
        ),
        name="password_reset",
    ),
    path(
        "password-reset/sent/",
        auth_views.PasswordResetDoneView.as_view(template_name="accounts/password_reset_done.html"),
        name="password_reset_done",
    ),
    path(
        "password-reset/<uidb64>/<token>/",
        views.ResetPasswordConfirmView.as_view(
            template_name="accounts/password_reset_confirm.html",
            success_url=reverse_lazy("password_reset_complete"),
        ),
        name="password_reset_confirm",
    ),
    path(
        "password-reset/done/",
        auth_views.PasswordResetCompleteView.as_view(template_name="accounts/password_reset_complete.html"),
        name="password_reset_complete",
    ),
]
