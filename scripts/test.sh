#!/usr/bin/env bash
# Every package's tests against SQLite, then against PostgreSQL when one is reachable.
# ZDRAV_REQUIRE_POSTGRES=1 (set by .ci/run) turns a missing PostgreSQL into a failure.
# ZDRAV_TEST_PARALLEL=1 (set by .ci/run) runs the two legs side by side, each into its own log printed
# when it ends: the suites are single-threaded Python, so on two cores this saves about a third of the
# time of `make test` without changing what runs.
set -uo pipefail
cd "$(dirname "$0")/.."
UV=$(command -v uv || echo "$PWD/.tools/uv/bin/uv")
PACKAGES=(shared services/kpi-api services/survey-api services/roadmap-api tests/security)

# One backend's leg; prints the failed packages and exits non-zero when any failed.
run_leg() {
  local backend=$1 failed=()
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
  if [ ${#failed[@]} -gt 0 ]; then
    echo "FAILED: ${failed[*]}"
    return 1
  fi
}

failed=()
if "$UV" run --no-sync python scripts/pg_available.py; then
  postgres=1
elif [ "${ZDRAV_REQUIRE_POSTGRES:-0}" = "1" ]; then
  echo "PostgreSQL leg: REQUIRED but PostgreSQL is not reachable" >&2
  postgres=0
  failed+=("postgres-leg")
else
  echo "PostgreSQL leg: SKIPPED — no PostgreSQL reachable (set TEST_DATABASE_URL to run it)"
  postgres=0
fi

if [ "$postgres" = 1 ] && [ "${ZDRAV_TEST_PARALLEL:-0}" = "1" ]; then
  logs=$(mktemp -d)
  run_leg sqlite >"$logs/sqlite.log" 2>&1 &
  sqlite_pid=$!
  run_leg postgres >"$logs/postgres.log" 2>&1 &
  postgres_pid=$!
  wait $sqlite_pid || failed+=("sqlite-leg")
  cat "$logs/sqlite.log"
  wait $postgres_pid || failed+=("postgres-leg")
  cat "$logs/postgres.log"
  rm -rf "$logs"
else
  run_leg sqlite || failed+=("sqlite-leg")
  if [ "$postgres" = 1 ]; then
    run_leg postgres || failed+=("postgres-leg")
  fi
fi
[ "$postgres" = 1 ] && echo "PostgreSQL leg: RAN against ${TEST_DATABASE_URL:-postgresql+asyncpg://postgres@127.0.0.1:5432/postgres}"

if [ ${#failed[@]} -gt 0 ]; then
  echo "FAILED: ${failed[*]}" >&2
  exit 1
fi
echo "All test legs passed."
