#!/usr/bin/env bash
# `make openapi-check`: the committed OpenAPI documents as a front-end team meets them.
#  1. Redocly CLI (recommended rules, the examples and security rules raised to errors) and Spectral (the OAS
#     ruleset) report no error on openapi/{kpi,survey,roadmap}-api.json;
#  2. openapi-typescript generates each service's types, scripts/openapi_calls.py writes one typed call of every
#     operation (openapi-fetch), and `tsc --strict` compiles them all.
# The tools are pinned in tools/openapi-check/package-lock.json and installed with `npm ci --ignore-scripts`
# (none of them downloads a browser or a binary); telemetry and update checks are off.
set -euo pipefail
cd "$(dirname "$0")/.."
TOOLS=tools/openapi-check
BIN=$TOOLS/node_modules/.bin
PYTHON=${PYTHON:-.venv/bin/python}
SERVICES=(kpi-api survey-api roadmap-api)
export REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true NO_UPDATE_NOTIFIER=1
export npm_config_update_notifier=false npm_config_fund=false npm_config_audit=false

if ! command -v npm >/dev/null 2>&1; then
  echo "openapi-check needs Node.js 20.19+ and npm (Debian: apt-get install -y nodejs npm)" >&2
  exit 1
fi

# Install the pinned tools when the lock file changed since the last install (always a clean `npm ci`).
stamp=$TOOLS/node_modules/.zdrav-lock-sha256
want=$(sha256sum "$TOOLS/package-lock.json" | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  echo "· installing the pinned OpenAPI tools (npm ci)"
  (cd "$TOOLS" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)
  echo "$want" > "$stamp"
fi

failed=0
for service in "${SERVICES[@]}"; do
  document=openapi/$service.json
  echo "=== $document: Redocly"
  # Redocly prints a banner about Node 20 reaching its end of life; the lint result follows it.
  "$BIN/redocly" lint "$document" --config "$TOOLS/redocly.yaml" --format=stylish 2>&1 | grep -vE '[║╔╚]' || failed=1
  echo "=== $document: Spectral (spectral:oas)"
  "$BIN/spectral" lint "$document" --ruleset "$TOOLS/.spectral.yaml" --fail-severity=error || failed=1
done

echo "=== TypeScript clients (openapi-typescript + openapi-fetch, tsc --strict)"
generated=$TOOLS/generated
rm -rf "$generated" && mkdir -p "$generated"
for service in "${SERVICES[@]}"; do
  # Fields with a default stay optional in request bodies (the server fills them in).
  "$BIN/openapi-typescript" "openapi/$service.json" -o "$generated/$service.ts" --default-non-nullable false --silent
  "$PYTHON" scripts/openapi_calls.py "openapi/$service.json" "$service" > "$generated/$service.calls.ts"
  echo "$service: $(grep -c '^export async function' "$generated/$service.calls.ts") operations"
done
"$BIN/tsc" -p "$TOOLS/tsconfig.json" || failed=1

if [ "$failed" -ne 0 ]; then
  echo "openapi-check: FAILED" >&2
  exit 1
fi
echo "openapi-check: Redocly and Spectral report no error; every operation compiles as a typed call"
