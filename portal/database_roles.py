"""The application's PostgreSQL role: it owns nothing, so it can never ALTER a table (and with it
switch the append-only triggers off), and it may not UPDATE or DELETE the append-only tables at
all. Migrations run as the owner role; `grant_app_role` (run by the one-shot migrate service
after `migrate`) gives the application role exactly what it needs."""

from __future__ import annotations

from django.db import connection

APPEND_ONLY_TRIGGER_FUNCTION = "portal_refuse_change"


class RoleError(Exception):
    """The role cannot be used as the application's role."""


def append_only_tables() -> list[str]:
    """Tables guarded by the append-only triggers (see `portal.append_only`), as the database has them."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT DISTINCT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
            "JOIN pg_proc p ON p.oid = t.tgfoid WHERE p.proname = %s AND c.relnamespace = current_schema()::regnamespace "
            "ORDER BY c.relname",
            [APPEND_ONLY_TRIGGER_FUNCTION],
        )
        return [row[0] for row in cursor.fetchall()]


def grant_app_role(role: str) -> list[str]:
    """Grant `role` use of every table and sequence in the schema, less UPDATE, DELETE and
    TRUNCATE on the append-only tables. Idempotent; returns the append-only tables."""
    if connection.vendor != "postgresql":
        raise RoleError("Database roles exist only on PostgreSQL.")
    with connection.cursor() as cursor:
        cursor.execute("SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = %s", [role])
        found = cursor.fetchone()
        if found is None:
            raise RoleError(f"There is no database role {role!r}; the postgres init script creates it.")
        if any(found):
            raise RoleError(f"The role {role!r} is a superuser (or bypasses row security): it could switch the triggers off.")
        cursor.execute("SELECT current_user")
        if cursor.fetchone()[0] == role:
            raise RoleError(f"The role {role!r} is the one running the migrations: the application must not own its tables.")
        cursor.execute(
            "SELECT count(*) FROM pg_class WHERE relowner = (SELECT oid FROM pg_roles WHERE rolname = %s) "
            "AND relnamespace = current_schema()::regnamespace",
            [role],
        )
        if cursor.fetchone()[0]:
            raise RoleError(f"The role {role!r} owns tables: an owner can ALTER them and disable their triggers.")
        q = connection.ops.quote_name(role)
        cursor.execute("SELECT current_schema()")
        schema = connection.ops.quote_name(cursor.fetchone()[0])
        cursor.execute(f"GRANT USAGE ON SCHEMA {schema} TO {q}")
        cursor.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {schema} TO {q}")
        cursor.execute(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {schema} TO {q}")
        tables = append_only_tables()
        for table in tables:
            cursor.execute(f"REVOKE UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER ON {connection.ops.quote_name(table)} FROM {q}")
    return tables
