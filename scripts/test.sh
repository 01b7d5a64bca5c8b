#!/usr/bin/env bash
# Run the whole test suite twice: on SQLite, then on a throwaway PostgreSQL.
# Extra arguments go to pytest both times (scripts/test.sh -k foo).
# Both runs always happen; the script fails if either fails (pytest's exit 5,
# "no tests collected", is a failure too).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/_pg.sh
source scripts/_redis.sh

# two workers (pytest-xdist), a test file each at a time: the suite waits on its servers about
# half the time, so two share the two cores well; TEST_WORKERS=0 runs in one process
PYTEST=(.venv/bin/python -m pytest -W error -n "${TEST_WORKERS:-2}" --dist loadfile)
pg_start   # first, so a missing PostgreSQL shows up before the long runs
# the throttle tests need a real Redis; one EXIT trap stops both servers, even on failure
trap 'redis_stop; pg_stop' EXIT
redis_start
export TENANTRY_TEST_REDIS_URL=$REDIS_URL
# the browser journeys (tests/e2e) drive Debian's Chromium; install it like PostgreSQL
if [[ ! -x /usr/bin/chromium ]]; then
    echo "Chromium not found: installing it" >&2
    apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium
fi

status=0
echo "== SQLite =="
env -u TENANTRY_TEST_DATABASE_URL "${PYTEST[@]}" "$@" || status=1
if [[ $# -eq 0 ]]; then   # the full run also fuzzes the API (a selection with -k does not)
    echo "== schemathesis (OpenAPI schema, all checks, 45 s) =="
    .venv/bin/python scripts/fuzz_api.py --max-time 45 || status=1
fi
echo "== PostgreSQL =="
TENANTRY_TEST_DATABASE_URL=$PG_URL "${PYTEST[@]}" "$@" || status=1
exit "$status"
