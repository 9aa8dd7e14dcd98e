#!/usr/bin/env bash
# A real MLflow server for the demo, on loopback, with its SQLite store and artifacts under .demo/
# (wiped at each start, so seeding never duplicates), seeded by the real mlflow client. Stays in the
# foreground until killed.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/venv.sh
port="${MLFLOW_PORT:-5000}"
dir=.demo/mlflow
rm -rf "$dir" .demo/manifest.json
mkdir -p "$dir"
# No background job runner: GenAI jobs the gateway never starts, seven worker processes.
export MLFLOW_DISABLE_TELEMETRY=true DO_NOT_TRACK=true MLFLOW_SERVER_ENABLE_JOB_EXECUTION=false

.venv/bin/mlflow server --host 127.0.0.1 --port "$port" --workers 1 \
  --backend-store-uri "sqlite:///$PWD/$dir/mlflow.db" --artifacts-destination "$PWD/$dir/artifacts" \
  >"$dir/server.log" 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null; wait "$server" 2>/dev/null || true' EXIT INT TERM

for _ in $(seq 1 240); do
  curl -fsS "http://127.0.0.1:$port/health" >/dev/null 2>&1 && break
  kill -0 "$server" 2>/dev/null || { echo "demo-mlflow: mlflow server exited; see $dir/server.log" >&2; tail -20 "$dir/server.log" >&2; exit 1; }
  sleep 0.5
done
curl -fsS "http://127.0.0.1:$port/health" >/dev/null || { echo "demo-mlflow: mlflow server did not start in 120 s" >&2; exit 1; }

echo "demo-mlflow: seeding demo runs with the mlflow client..."
.venv/bin/python python/seed_mlflow.py --tracking-uri "http://127.0.0.1:$port" --profile demo \
  --manifest .demo/manifest.json >"$dir/seed.log" 2>&1 || { tail -20 "$dir/seed.log" >&2; exit 1; }
echo "demo-mlflow: MLflow tracking URI http://127.0.0.1:$port"
wait "$server"
