"""The application connects as a role that owns nothing: with the grants `grant_app_role` gives it,
it works with ordinary tables but cannot change or delete audit rows, nor switch the append-only
triggers off. Run on the test PostgreSQL, as the migrate service would run it."""

from __future__ import annotations

import os

import psycopg
import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from portal.audit import record_event
from portal.roles import Role

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def app_role():
    name = f"portal_app_{os.urandom(4).hex()}"
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE ROLE {name} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE")
    yield name
    with connection.cursor() as cursor:
        cursor.execute(f"DROP OWNED BY {name}")
        cursor.execute(f"DROP ROLE {name}")


def _connect_as(role):
    db = connection.settings_dict
    return psycopg.connect(dbname=db["NAME"], host=db["HOST"] or None, port=db["PORT"] or None, user=role, autocommit=True)


def _refused(conn, sql):
    with conn.cursor() as cursor:
        try:
            cursor.execute(sql)
        except psycopg.Error as exc:
            return exc.sqlstate
    return None


def test_the_app_role_cannot_change_audit_rows_nor_disable_their_triggers(make_user, app_role):
    user = make_user(Role.SUPERVISOR)
    record_event(actor=user, action="test.step", reason="written by the app")
    call_command("grant_app_role", app_role)

    conn = _connect_as(app_role)
    try:
        with conn.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM portal_auditevent")
            assert cursor.fetchone()[0] >= 1
            cursor.execute("UPDATE auth_user SET first_name = 'Sofia' WHERE id = %s", [user.id])
            assert cursor.rowcount == 1
            # Appending still works: INSERT and the identity sequence are granted.
            cursor.execute(
                "INSERT INTO portal_auditcheckpoint (chain, seq, event_hash, signed_at, key_id, statement, signature) "
                "VALUES ('portal_auditevent', 1, 'h', now(), 'k', '{}', 's')"
            )
        denied = "42501"  # insufficient_privilege, from the grants, before any trigger runs
        for table in ("portal_auditevent", "footage_custodyevent", "portal_auditcheckpoint"):
            assert _refused(conn, f"UPDATE {table} SET id = id") == denied, table
            assert _refused(conn, f"DELETE FROM {table}") == denied, table
            assert _refused(conn, f"TRUNCATE {table}") == denied, table
            assert _refused(conn, f"ALTER TABLE {table} DISABLE TRIGGER ALL") == denied, table
        assert _refused(conn, "SET session_replication_role = replica") == denied
        assert _refused(conn, "CREATE TABLE sneaky (id int)") == denied
    finally:
        conn.close()


def test_it_refuses_to_grant_to_a_superuser(db):
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user")
        superuser = cursor.fetchone()[0]
    with pytest.raises(CommandError, match="superuser"):
        call_command("grant_app_role", superuser)


def test_it_refuses_a_role_that_does_not_exist(db):
    with pytest.raises(CommandError, match="no database role"):
        call_command("grant_app_role", "nobody_by_that_name")
