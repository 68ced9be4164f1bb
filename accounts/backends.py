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
from config.prepared_queries import PreparedQuery

PATH = "accounts.backends.LearnerBackend"
# Every signed-in request starts with this query: its SQL compiled once per process.
SIGNED_IN_LEARNER = PreparedQuery(
    lambda user_id: User._default_manager.filter(pk=user_id).select_related("profile"),
    user_id=-20_261_127,  # a placeholder: no user has a negative id
)


class LearnerBackend(ModelBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is None and username is not None and password is not None:
            raise PermissionDenied  # not on to ModelBackend: a second hash of the same guess
        return user

    def get_user(self, user_id):
        try:
            user_id = int(user_id)
        except (TypeError, ValueError):
            return None  # a session holding something else than a user id
        found = SIGNED_IN_LEARNER.all(user_id=user_id)
        if not found:
            return None
        return found[0] if self.user_can_authenticate(found[0]) else None
