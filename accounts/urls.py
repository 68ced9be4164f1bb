from django.urls import path

from accounts import api

urlpatterns = [
    path("auth/register/", api.RegisterView.as_view(), name="api-register"),
    path("auth/token/", api.TokenView.as_view(), name="api-token"),
    path("auth/logout/", api.LogoutView.as_view(), name="api-logout"),
    path("auth/password/", api.PasswordChangeView.as_view(), name="api-password-change"),
    path("auth/password-reset/", api.PasswordResetView.as_view(), name="api-password-reset"),
    path("auth/verify/", api.VerifyEmailView.as_view(), name="api-verify"),
    path("me/", api.MeView.as_view(), name="api-me"),
    path("me/export/", api.MyDataView.as_view(), name="api-me-export"),
]
