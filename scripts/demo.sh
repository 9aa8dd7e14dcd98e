#!/usr/bin/env bash
# `make demo`: a real MLflow server on loopback seeded by the real mlflow client, the W&B protocol
# test server, and the built gateway in front of both. Ctrl-C stops all three.
set -euo pipefail
cd "$(dirname "$0")/.."
export PORT="${PORT:-4000}" MLFLOW_PORT="${MLFLOW_PORT:-5000}" WANDB_PORT="${WANDB_PORT:-8080}"
# The W&B protocol test server's key: local and fake, in the format the wandb SDK accepts.
DEMO_WANDB_KEY=local-mlgatedemokey0123456789abcdefghijklmnopq

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

WANDB_API_KEY=$DEMO_WANDB_KEY WANDB_TEST_SERVER_PORT=$WANDB_PORT node scripts/run-ts.mjs test/wandb-server/main.ts &
pids+=($!)
for _ in $(seq 1 60); do
  curl -fsS -u "api:$DEMO_WANDB_KEY" -H 'content-type: application/json' -d '{"query":"{ viewer { id } }"}' "http://127.0.0.1:${WANDB_PORT}/graphql" >/dev/null 2>&1 && break
  kill -0 "${pids[1]}" 2>/dev/null || { echo "demo: the W&B test server failed to start (see above)" >&2; exit 1; }
  sleep 0.5
done

MLFLOW_TRACKING_URI="http://127.0.0.1:${MLFLOW_PORT}" WANDB_BASE_URL="http://127.0.0.1:${WANDB_PORT}" WANDB_API_KEY=$DEMO_WANDB_KEY \
  node dist/src/index.js &
pids+=($!)
for _ in $(seq 1 120); do
  curl -fsS "http://127.0.0.1:${PORT}/readyz" >/dev/null 2>&1 && break
  kill -0 "${pids[2]}" 2>/dev/null || { echo "demo: the gateway failed to start (see above)" >&2; exit 1; }
  sleep 0.5
done

cat <<MSG

  mlgate is running with a local MLflow seeded with demo runs and the W&B protocol test server.
    GraphQL IDE:      http://localhost:${PORT}/graphql
    MLflow UI:        http://127.0.0.1:${MLFLOW_PORT}
    W&B test server:  http://127.0.0.1:${WANDB_PORT}  (entity mlgate; try runByPath(path: "mlgate/vision/run00001"))
  Press Ctrl-C to stop.

MSG
wait -n "${pids[@]}"
