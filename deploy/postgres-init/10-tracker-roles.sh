#!/bin/sh
# Run once by the postgres image when it initialises an empty volume (docker-entrypoint-initdb.d):
# makes the tracker's two roles and its database (ADR 0009, docs/deployment.md).
#   tracker_owner  owns the database and its schema; the app migrates as this role
#                  (DATABASE_MIGRATION_URL).
#   tracker_app    owns nothing; the app serves requests as this role (DATABASE_URL) and is granted
#                  what it needs after each migration, INSERT and SELECT alone on the audit trail.
# Passwords come from the environment (scripts/make-env.sh writes them to .env).
set -eu
: "${TRACKER_OWNER_PASSWORD:?is not set}"
: "${TRACKER_APP_PASSWORD:?is not set}"
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
  -v owner_password="$TRACKER_OWNER_PASSWORD" -v app_password="$TRACKER_APP_PASSWORD" <<'SQL'
create role tracker_owner login password :'owner_password';
create role tracker_app login password :'app_password';
create database tracker owner tracker_owner;
revoke all on database tracker from public;
grant connect, temporary on database tracker to tracker_app;
SQL
