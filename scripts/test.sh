#!/usr/bin/env bash
# Every package's tests against SQLite, then against PostgreSQL when one is reachable.
# ZDRAV_REQUIRE_POSTGRES=1 (set by .ci/run) turns a missing PostgreSQL into a failure.
set -uo pipefail
cd "$(dirname "$0")/.."
UV=$(command -v uv || echo "$PWD/.tools/uv/bin/uv")
PACKAGES=(shared services/kpi-api services/survey-api services/roadmap-api tests/security)
failed=()

run_leg() {
  local backend=$1
  for package in "${PACKAGES[@]}"; do
    # A package keeps its suite in tests/; a suite of its own (tests/security) is the folder itself.
    local target="$package/tests"
    [ -d "$target" ] || target="$package"
    echo "=== $target on $backend"
    ZDRAV_TEST_BACKEND=$backend "$UV" run --no-sync pytest "$target" -q -p no:logging -m "not e2e and not fault"
    local rc=$?
    # 5 = no tests collected: not a failure of the suite itself.
    if [ $rc -ne 0 ] && [ $rc -ne 5 ]; then failed+=("$package/$backend"); fi
  done
}

run_leg sqlite

if "$UV" run --no-sync python scripts/pg_available.py; then
  run_leg postgres
  echo "PostgreSQL leg: RAN against ${TEST_DATABASE_URL:-postgresql+asyncpg://postgres@127.0.0.1:5432/postgres}"
elif [ "${ZDRAV_REQUIRE_POSTGRES:-0}" = "1" ]; then
  echo "PostgreSQL leg: REQUIRED but PostgreSQL is not reachable" >&2
  failed+=("postgres-leg")
else
  echo "PostgreSQL leg: SKIPPED — no PostgreSQL reachable (set TEST_DATABASE_URL to run it)"
fi

if [ ${#failed[@]} -gt 0 ]; then
  echo "FAILED: ${failed[*]}" >&2
  exit 1
fi
echo "All test legs passed."
