#!/usr/bin/env bash
# `make demo`: a real MLflow server on loopback, seeded by the real mlflow client, and the built
# gateway in front of it. Ctrl-C stops both.
set -euo pipefail
cd "$(dirname "$0")/.."
export PORT="${PORT:-4000}" MLFLOW_PORT="${MLFLOW_PORT:-5000}"

pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT INT TERM

rm -f .demo/manifest.json
bash scripts/demo-mlflow.sh &
pids+=($!)
for _ in $(seq 1 600); do
  [ -f .demo/manifest.json ] && break
  kill -0 "${pids[0]}" 2>/dev/null || { echo "demo: the MLflow server or its seeding failed (see above)" >&2; exit 1; }
  sleep 0.5
done
[ -f .demo/manifest.json ] || { echo "demo: MLflow was not seeded within 5 minutes" >&2; exit 1; }

MLFLOW_TRACKING_URI="http://127.0.0.1:${MLFLOW_PORT}" node dist/src/index.js &
pids+=($!)
for _ in $(seq 1 120); do
  curl -fsS "http://127.0.0.1:${PORT}/readyz" >/dev/null 2>&1 && break
  kill -0 "${pids[1]}" 2>/dev/null || { echo "demo: the gateway failed to start (see above)" >&2; exit 1; }
  sleep 0.5
done

cat <<MSG

  mlgate is running with a local MLflow seeded with demo runs.
    GraphQL IDE:  http://localhost:${PORT}/graphql
    MLflow UI:    http://127.0.0.1:${MLFLOW_PORT}
  Press Ctrl-C to stop.

MSG
wait -n "${pids[@]}"
