#!/bin/sh
# Runs once, when the postgres container initialises an empty data volume, as POSTGRES_USER (the
# container's superuser, which no part of the portal uses). It creates two roles:
#   portal_owner  owns the database and every table; only the one-shot migrate service uses it.
#   portal_app    web, worker and beat; owns nothing, so it can never ALTER a table (DISABLE
#                 TRIGGER included) and is no superuser (session_replication_role is refused).
#                 `manage.py grant_app_role portal_app`, run by migrate, grants it the rest and
#                 revokes UPDATE and DELETE on the append-only tables.
# An existing volume skips this script: run it once by hand (docker compose exec postgres sh), then
# REASSIGN OWNED BY the role that used to own the tables TO portal_owner.
set -eu

psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
    -v db="$POSTGRES_DB" \
    -v owner_password="$POSTGRES_OWNER_PASSWORD" \
    -v app_password="$POSTGRES_APP_PASSWORD" <<'SQL'
CREATE ROLE portal_owner LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS PASSWORD :'owner_password';
CREATE ROLE portal_app LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS PASSWORD :'app_password';
ALTER DATABASE :"db" OWNER TO portal_owner;
REVOKE ALL ON DATABASE :"db" FROM PUBLIC;
GRANT CONNECT, TEMPORARY ON DATABASE :"db" TO portal_app;
-- public belongs to the database's owner (PostgreSQL 15); nobody else may create objects in it.
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO portal_app;
-- Tables a later migration creates are usable at once; grant_app_role then narrows them.
ALTER DEFAULT PRIVILEGES FOR ROLE portal_owner IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO portal_app;
ALTER DEFAULT PRIVILEGES FOR ROLE portal_owner IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO portal_app;
SQL
