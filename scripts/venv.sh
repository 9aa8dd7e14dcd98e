#!/usr/bin/env bash
# Creates .venv with the pinned Python parts (real mlflow server and client, real wandb SDK).
# The venv is rebuilt only when python/requirements.txt changes: its hash is stamped inside.
set -euo pipefail
cd "$(dirname "$0")/.."
req=python/requirements.txt
stamp=.venv/.requirements.sha256
want=$(sha256sum "$req" | cut -d' ' -f1)
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && [ -x .venv/bin/mlflow ]; then
  exit 0
fi
py=${PYTHON:-python3}
command -v "$py" >/dev/null || { echo "venv.sh: $py not found; Python 3.10+ is required" >&2; exit 1; }
rm -rf .venv
"$py" -m venv .venv
.venv/bin/pip install --quiet --disable-pip-version-check --upgrade pip
.venv/bin/pip install --quiet --disable-pip-version-check -r "$req"
echo "$want" > "$stamp"
echo "venv.sh: .venv ready ($(.venv/bin/python -c 'import mlflow, wandb; print("mlflow", mlflow.__version__, "wandb", wandb.__version__)'))"
