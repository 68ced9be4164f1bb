"""A query compiled once per process gives the instances the ORM gives, and reads nothing more."""

from __future__ import annotations

import pytest
from django.core.exceptions import ObjectDoesNotExist
from knox.models import AuthToken

from accounts.models import Profile
from config.prepared_queries import PreparedQuery
from tests.factories import ProfileFactory, UserFactory

pytestmark = pytest.mark.django_db


def tokens_with_users():
    return PreparedQuery(
        lambda token_key: AuthToken.objects.filter(token_key=token_key).select_related("user__profile"),
        token_key="<token key>",
    )


def columns(instance) -> dict:
    return {field.attname: getattr(instance, field.attname) for field in instance._meta.concrete_fields}


def test_it_gives_the_instances_the_orm_gives_with_their_related_ones(django_assert_num_queries):
    profile = ProfileFactory()
    Profile.objects.filter(pk=profile.pk).update(timezone="Asia/Kolkata", study_days=[2, 4])
    token, _ = AuthToken.objects.create(user=profile.user)
    expected = AuthToken.objects.select_related("user__profile").get(pk=token.pk)

    with django_assert_num_queries(1):
        (found,) = tokens_with_users().all(token_key=token.token_key)
        user, found_profile = found.user, found.user.profile

    assert columns(found) == columns(expected)
    assert columns(user) == columns(expected.user)
    assert columns(found_profile) == columns(expected.user.profile)
    assert found_profile.study_days == [2, 4]  # converted as the ORM converts it
    assert found.expiry.tzinfo is not None


def test_a_missing_related_row_is_known_missing_without_a_query(django_assert_num_queries):
    user = UserFactory()
    Profile.objects.filter(user=user).delete()
    token, _ = AuthToken.objects.create(user=user)

    with django_assert_num_queries(1):
        (found,) = tokens_with_users().all(token_key=token.token_key)
        with pytest.raises(ObjectDoesNotExist):
            found.user.profile  # noqa: B018


def test_each_run_takes_its_own_values_and_the_sql_is_compiled_once():
    first, _ = AuthToken.objects.create(user=UserFactory())
    second, _ = AuthToken.objects.create(user=UserFactory())
    builds = []
    query = PreparedQuery(
        lambda token_key: builds.append(token_key) or AuthToken.objects.filter(token_key=token_key),
        token_key="<token key>",
    )

    assert [token.pk for token in query.all(token_key=first.token_key)] == [first.pk]
    assert [token.pk for token in query.all(token_key=second.token_key)] == [second.pk]
    assert query.all(token_key="no such key") == []
    assert builds == ["<token key>"]
