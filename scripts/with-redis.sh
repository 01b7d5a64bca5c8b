#!/usr/bin/env bash
# Run CMD with TENANTRY_TEST_REDIS_URL pointing at a throwaway Redis server, e.g.
# scripts/with-redis.sh .venv/bin/python -m pytest tests/throttles
# (nests with scripts/with-postgres.sh: with-postgres.sh scripts/with-redis.sh CMD...)
set -euo pipefail
(( $# )) || { echo "usage: $0 CMD [ARGS...]" >&2; exit 2; }
source "$(dirname "$0")/_redis.sh"
trap redis_stop EXIT
trap 'exit 130' INT
trap 'exit 143' TERM HUP
redis_start
export TENANTRY_TEST_REDIS_URL=$REDIS_URL
# Not exec: the EXIT trap must survive CMD to stop the server.
"$@"
