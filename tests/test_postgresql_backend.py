"""The PostgreSQL backend: its health check (no round trip for a healthy connection, and a
connection the server closed is found unusable and replaced before the next query), the
hot queries prepared on the server, and their fetch without Django's cursor wrapper."""

from __future__ import annotations

import time

import psycopg
import pytest
from django.conf import settings
from django.db import connection

pytestmark = pytest.mark.django_db(transaction=True)


def admin_session() -> psycopg.Connection:
    database = settings.DATABASES["default"]
    admin = f"host={database['HOST']} port={database['PORT'] or 5432} user={database['USER']} dbname=postgres"
    return psycopg.connect(admin, autocommit=True)


def terminate(backend_pid: int) -> None:
    with admin_session() as session:
        session.execute("SELECT pg_terminate_backend(%s)", [backend_pid])


def last_statement_of(backend_pid: int) -> str:
    with admin_session() as session:
        return session.execute("SELECT query FROM pg_stat_activity WHERE pid = %s", [backend_pid]).fetchone()[0]


def unusable_within(seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not connection.is_usable():
            return True
        time.sleep(0.01)
    return False


def test_the_backend_is_this_projects():
    assert connection.settings_dict["ENGINE"] == "config.postgresql" and connection.vendor == "postgresql"


def test_a_healthy_connection_is_found_usable_without_a_statement_sent():
    with connection.cursor() as cursor:
        cursor.execute("SELECT 'the last statement before the checks'")
    pid = connection.connection.info.backend_pid

    assert connection.is_usable() and connection.is_usable()

    # Django's own check would have sent SELECT 1, and the server would show it as the last.
    assert last_statement_of(pid) == "SELECT 'the last statement before the checks'"


def test_a_connection_the_server_closed_is_unusable_and_replaced_before_the_next_query():
    connection.ensure_connection()
    old_pid = connection.connection.info.backend_pid

    terminate(old_pid)

    assert unusable_within(5.0)
    connection.health_check_done = False
    connection.close_if_health_check_failed()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        assert cursor.fetchone()[0] != old_pid


def test_a_connection_left_in_a_broken_state_is_unusable():
    connection.ensure_connection()
    connection.connection.close()

    assert not connection.is_usable()
    connection.connection = None  # Django opens a new one on the next query


def prepared_statements() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return [row[0] for row in cursor.fetchall()]


def test_the_queries_every_request_runs_are_prepared_on_the_server_and_no_other(django_user_model):
    from accounts.tokens import TOKEN_CANDIDATES

    connection.close()  # a new connection: nothing prepared on it yet
    for _ in range(3):
        assert TOKEN_CANDIDATES.all(token_key="no such key") == []
        list(django_user_model.objects.filter(email="nobody@example.org"))

    statements = prepared_statements()
    assert len(statements) == 1 and '"knox_authtoken"' in statements[0]


def test_without_prepared_statements_nothing_is_prepared():
    from accounts.tokens import TOKEN_CANDIDATES

    connection.close()
    options = connection.settings_dict["OPTIONS"]
    threshold = options.pop("prepare_threshold")
    try:
        for _ in range(3):
            TOKEN_CANDIDATES.all(token_key="no such key")
        assert prepared_statements() == []
    finally:
        options["prepare_threshold"] = threshold
        connection.close()


def test_a_prepared_query_is_logged_with_its_values_as_any_other(django_assert_num_queries):
    from accounts.tokens import TOKEN_CANDIDATES

    with django_assert_num_queries(3) as captured:
        for _ in range(3):  # the third runs the statement the server prepared
            TOKEN_CANDIDATES.all(token_key="a-key-to-find")

    assert all("'a-key-to-find'" in query["sql"] for query in captured.captured_queries)


# --- fetch_prepared: the hot queries without Django's cursor wrapper -----------------------


def test_a_prepared_fetch_answers_the_rows_and_its_statement_is_prepared():
    connection.close()
    for _ in range(3):
        rows = connection.fetch_prepared("SELECT %s::int + 1, %s::text", [41, "row"])
        assert rows == [(42, "row")]

    assert any("$1::int + 1" in statement for statement in prepared_statements())


def test_a_prepared_fetch_is_seen_by_an_execute_wrapper():
    seen = []

    def watching(execute, sql, params, many, context):
        seen.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(watching):
        assert connection.fetch_prepared("SELECT %s::int", [7]) == [(7,)]

    assert seen == ["SELECT %s::int"]


def test_a_failing_prepared_fetch_raises_djangos_error():
    from django.db import ProgrammingError

    with pytest.raises(ProgrammingError):
        connection.fetch_prepared("SELECT * FROM no_such_table WHERE id = %s::int", [1])


def test_a_prepared_fetch_in_a_transaction_marked_for_rollback_is_refused_as_any_query():
    from django.db import transaction
    from django.db.transaction import TransactionManagementError

    with transaction.atomic():
        transaction.set_rollback(True)  # as after an error inside an inner atomic block
        with pytest.raises(TransactionManagementError):
            connection.fetch_prepared("SELECT %s::int", [1])
