"""Database-enforced append-only tables, as a migration operation.

Triggers refuse UPDATE, DELETE and TRUNCATE for every role that connects normally, the
application's included. Only a database superuser who deliberately switches triggers off
(`session_replication_role = replica`) can change the rows, which is exactly the edit around the
application that the hash chain exists to detect.
"""

from django.db import migrations

_PG_FUNCTION = """
CREATE OR REPLACE FUNCTION portal_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'table % is append-only: % refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
"""


def _forwards(table: str):
    def apply(apps, schema_editor):
        conn = schema_editor.connection
        if conn.vendor == "postgresql":
            schema_editor.execute(_PG_FUNCTION, None)
            schema_editor.execute(
                f'CREATE TRIGGER "{table}_append_only" BEFORE UPDATE OR DELETE ON "{table}" '
                f"FOR EACH ROW EXECUTE FUNCTION portal_refuse_change()",
                None,
            )
            schema_editor.execute(
                f'CREATE TRIGGER "{table}_no_truncate" BEFORE TRUNCATE ON "{table}" '
                f"FOR EACH STATEMENT EXECUTE FUNCTION portal_refuse_change()",
                None,
            )
        elif conn.vendor == "sqlite":
            for op in ("UPDATE", "DELETE"):
                schema_editor.execute(
                    f'CREATE TRIGGER "{table}_no_{op.lower()}" BEFORE {op} ON "{table}" '
                    f"BEGIN SELECT RAISE(ABORT, 'table {table} is append-only: {op} refused'); END",
                    None,
                )

    return apply


def _backwards(table: str):
    def revert(apps, schema_editor):
        conn = schema_editor.connection
        if conn.vendor == "postgresql":
            schema_editor.execute(f'DROP TRIGGER IF EXISTS "{table}_append_only" ON "{table}"', None)
            schema_editor.execute(f'DROP TRIGGER IF EXISTS "{table}_no_truncate" ON "{table}"', None)
        elif conn.vendor == "sqlite":
            for op in ("update", "delete"):
                schema_editor.execute(f'DROP TRIGGER IF EXISTS "{table}_no_{op}"', None)

    return revert


def MakeAppendOnly(table: str) -> migrations.RunPython:
    return migrations.RunPython(_forwards(table), _backwards(table), elidable=False)
