"""API tokens: django-rest-knox's hashed, expiring tokens, behind a few service functions.

- A token is shown once, when it is made (sign-up, token login, password change);
  the database keeps only its SHA-512 digest.
- It expires after ``API_TOKEN_IDLE_DAYS`` (30 by default) without use: each use
  moves its expiry forward (knox ``AUTO_REFRESH``, written at most once a minute).
- Log-out deletes the token used; a password change or reset, and a log-out on
  the web pages, delete all of the learner's tokens.
"""

from __future__ import annotations

import binascii
from hmac import compare_digest

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.authentication import SessionScheme
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.plumbing import build_bearer_security_scheme_object
from knox.auth import TokenAuthentication
from knox.crypto import hash_token
from knox.models import AuthToken
from knox.settings import CONSTANTS, knox_settings
from rest_framework import exceptions
from rest_framework.authentication import SessionAuthentication

from accounts import languages
from accounts.models import User
from config.prepared_queries import PreparedQuery


def api_token_create(*, user: User) -> str:
    """A new token for ``user`` (its plain text, shown once); the user's expired ones go."""
    with transaction.atomic():
        AuthToken.objects.filter(user=user, expiry__lt=timezone.now()).delete()
        _, token = AuthToken.objects.create(user=user)
    return token


def api_token_revoke(*, token: AuthToken) -> None:
    token.delete()


def api_tokens_revoke_all(*, user: User) -> int:
    deleted, _ = AuthToken.objects.filter(user=user).delete()
    return deleted


# Every API call starts with this query: its SQL (three tables, some forty columns)
# is compiled once per process, not once a call.
TOKEN_CANDIDATES = PreparedQuery(
    lambda token_key: AuthToken.objects.filter(token_key=token_key).select_related("user__profile"),
    token_key="<token key>",
)


class ExpiringTokenAuthentication(TokenAuthentication):
    """knox's authentication with two changes.

    - A header that is not UTF-8 (``Token \\xe9\\xe9``) is a 401, not a 500.
    - Only the presented token is checked for expiry: knox also sweeps the
      user's other tokens on every request (one more query each time); here
      expired tokens are deleted when the next one is made (``api_token_create``).
    - The token's query brings the learner's profile too, and the rest of the call
      (its error messages) is in the profile's language (accounts.languages).
    """

    def authenticate_credentials(self, token: bytes):
        # knox's own loop, with the profile joined in.
        message = _("Invalid token.")
        try:
            token = token.decode("utf-8")
        except UnicodeDecodeError as error:
            raise exceptions.AuthenticationFailed(message) from error
        candidates = TOKEN_CANDIDATES.all(token_key=token[: CONSTANTS.TOKEN_KEY_LENGTH])
        for auth_token in candidates:
            if self._cleanup_token(auth_token):
                continue
            try:
                digest = hash_token(token)
            except (TypeError, binascii.Error) as error:
                raise exceptions.AuthenticationFailed(message) from error
            if compare_digest(digest, auth_token.digest):
                if knox_settings.AUTO_REFRESH and auth_token.expiry:
                    self.renew_token(auth_token)
                user, auth_token = self.validate_user(auth_token)
                languages.activate_for(user)
                return user, auth_token
        raise exceptions.AuthenticationFailed(message)

    def _cleanup_token(self, auth_token: AuthToken) -> bool:
        if auth_token.expiry is not None and auth_token.expiry < timezone.now():
            auth_token.delete()
            return True
        return False


class LanguageSessionAuthentication(SessionAuthentication):
    """DRF's session authentication (the web pages' own API calls); the call is then in
    the learner's profile language, as a token call is."""

    def authenticate(self, request):
        result = super().authenticate(request)
        if result is not None:
            languages.activate_for(result[0])
        return result


class LanguageSessionScheme(SessionScheme):
    """The OpenAPI security scheme: the same ``cookieAuth`` as DRF's session authentication."""

    target_class = LanguageSessionAuthentication


class ExpiringTokenScheme(OpenApiAuthenticationExtension):
    """The OpenAPI security scheme: the same ``tokenAuth`` (``Authorization: Token <token>``) as before."""

    target_class = ExpiringTokenAuthentication
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return build_bearer_security_scheme_object(header_name="Authorization", token_prefix="Token")
