#!/usr/bin/env bash
# `make bench`: the benchmark on SQLite and on a throwaway PostgreSQL (push invalidation is
# measured there), in one run so the ratios compare. Extra arguments go to the benchmark.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/_pg.sh
pg_start
TENANTRY_BENCH_DATABASE_URL=$PG_URL .venv/bin/python -m benchmarks "$@"
