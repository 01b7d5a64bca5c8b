#!/usr/bin/env bash
# Run the whole test suite twice: on SQLite, then on a throwaway PostgreSQL.
# Extra arguments go to pytest both times (scripts/test.sh -k foo).
# Both runs always happen; the script fails if either fails (pytest's exit 5,
# "no tests collected", is a failure too).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/_pg.sh

PYTEST=(.venv/bin/python -m pytest -W error)
pg_start   # first, so a missing PostgreSQL shows up before the long runs

status=0
echo "== SQLite =="
env -u TENANTRY_TEST_DATABASE_URL "${PYTEST[@]}" "$@" || status=1
echo "== PostgreSQL =="
TENANTRY_TEST_DATABASE_URL=$PG_URL "${PYTEST[@]}" "$@" || status=1
exit "$status"
