"""How a signed-in learner is loaded on each request: the user and the profile in one query.

Every signed-in request reads the profile (its language, ``ProfileLanguageMiddleware``;
its time zone, the pages). Django's ``ModelBackend`` loads the user alone, so the
profile cost a second query on every request.

Sessions made before this backend name ``ModelBackend``, and Django serves a session
only while the backend it names is listed: ``ModelBackend`` stays listed after this one
so those learners stay signed in. It never checks a password any more: this backend
answers every sign-in by e-mail and password and, when they fail, stops the list
(``PermissionDenied``, which still sends ``user_login_failed`` for django-axes), so a
wrong password or an unknown address costs one password hash, as before.
"""

from __future__ import annotations

from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied

from accounts.models import User

PATH = "accounts.backends.LearnerBackend"


class LearnerBackend(ModelBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is None and username is not None and password is not None:
            raise PermissionDenied  # not on to ModelBackend: a second hash of the same guess
        return user

    def get_user(self, user_id):
        try:
            user = User._default_manager.select_related("profile").get(pk=user_id)
        except User.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None
