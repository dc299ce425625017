#!/bin/sh
# Writes .env beside docker-compose.yml with fresh random secrets, for `docker compose up`.
# Refuses to overwrite an existing .env (its SECRET_KEY decrypts the two-factor secrets already
# stored; losing it locks those users out). Usage: scripts/make-env.sh [public base URL]
set -eu
cd "$(dirname "$0")/.."
if [ -e .env ]; then
  echo ".env already exists; keeping it. Delete it first to make new secrets." >&2
  exit 1
fi
# Base64 for the key; hex for passwords, which go into connection URLs and must need no escaping.
# Only POSIX tools, so a machine with Docker and nothing else can run it.
random_base64() { head -c 32 /dev/urandom | base64 | tr -d '\n'; }
random_hex() { od -An -tx1 -N24 /dev/urandom | tr -d ' \n'; }
umask 077
cat > .env <<ENV
# Made by scripts/make-env.sh on $(date -u +%Y-%m-%dT%H:%M:%SZ). Keep this file private and backed up.
SECRET_KEY=$(random_base64)
POSTGRES_PASSWORD=$(random_hex)
TRACKER_OWNER_PASSWORD=$(random_hex)
TRACKER_APP_PASSWORD=$(random_hex)
PUBLIC_BASE_URL=${1:-http://localhost:3000}
ENV
echo "Wrote .env. Next: docker compose up --build"
