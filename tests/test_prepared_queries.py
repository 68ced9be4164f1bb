"""A query compiled once per process gives the instances the ORM gives, and reads nothing more."""

from __future__ import annotations

import pytest
from django.core.exceptions import ObjectDoesNotExist
from django.db.models import F
from knox.models import AuthToken

from accounts.models import Profile, User
from config.prepared_queries import AnyOf, PreparedQuery
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


def users_among():
    return PreparedQuery(
        lambda ids: User.objects.filter(AnyOf(F("pk"), ids)).order_by("pk"),
        ids="<user ids>",
    )


def test_a_list_of_ids_is_one_parameter_whatever_its_length():
    users = UserFactory.create_batch(3)
    query = users_among()

    assert [user.pk for user in query.all(ids=[users[0].pk, users[2].pk])] == [users[0].pk, users[2].pk]
    assert [user.pk for user in query.all(ids=[user.pk for user in users])] == [u.pk for u in users]
    assert query.all(ids=[]) == []
    assert query.compiled.sql.count("%s") == 1


def test_rows_of_a_values_list_query_are_converted_as_the_orm_converts_them():
    profiles = ProfileFactory.create_batch(2)
    Profile.objects.filter(pk=profiles[0].pk).update(study_days=[2, 4])
    query = PreparedQuery(
        lambda ids: Profile.objects.filter(AnyOf(F("pk"), ids)).order_by("pk").values_list("pk", "study_days"),
        ids="<profile ids>",
    )
    ids = [profile.pk for profile in profiles]

    rows = [tuple(row) for row in query.rows(ids=ids)]

    assert rows == list(Profile.objects.filter(pk__in=ids).order_by("pk").values_list("pk", "study_days"))
    assert rows[0][1] == [2, 4]
