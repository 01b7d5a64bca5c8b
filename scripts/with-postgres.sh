#!/usr/bin/env bash
# Run CMD with TENANTRY_TEST_DATABASE_URL pointing at a throwaway PostgreSQL,
# e.g. scripts/with-postgres.sh .venv/bin/pytest -x tests/members
set -euo pipefail
(( $# )) || { echo "usage: $0 CMD [ARGS...]" >&2; exit 2; }
source "$(dirname "$0")/_pg.sh"
pg_start
export TENANTRY_TEST_DATABASE_URL=$PG_URL
# Not exec: the EXIT trap must survive CMD to stop the cluster.
"$@"
