"""Checks an MLflow -> W&B import run for run and point for point, as the two real clients read it:
the mlflow client on the MLflow side, the wandb SDK's public API (wandb.Api) on the W&B side.

For every MLflow run of the experiments: the W&B run with its id exists and has the display name,
state, group, notes, W&B tags, config (params + tags), summary (latest metrics), commit and
metadata (start time to the millisecond, user, program, git) the README's mapping gives; its full
history (scan_history, unsampled) holds exactly the rows that mapping gives for every MLflow point
(key, step, timestamp to the millisecond, value); with --files, every artifact file is a run file
with the same bytes (sha256). No W&B run exists that MLflow does not have.

usage: check_import.py --tracking-uri URI --wandb-url URL --entity E --project P
                       --experiments ID[,ID...] [--skip RUN_ID ...] [--files]
WANDB_API_KEY in the environment. Prints {"runs": n, "points": n, "rows": n, "files": n, "mismatches": [...]}.
"""
import argparse
import hashlib
import json
import os
import tempfile
from datetime import datetime, timezone

import wandb
from mlflow import MlflowClient

STATE = {"FINISHED": "finished", "FAILED": "failed", "KILLED": "failed", "RUNNING": "running", "SCHEDULED": "running"}
STEP_KEY = "mlflow_step"


def all_runs(client, exp_ids):
    token = None
    while True:
        page = client.search_runs(exp_ids, max_results=1000, page_token=token)
        yield from page
        token = page.token
        if not token:
            return


def artifact_files(client, run_id, path=None):
    for f in client.list_artifacts(run_id, path):
        if f.is_dir:
            yield from artifact_files(client, run_id, f.path)
        else:
            yield f.path


def expected_rows(points):
    """The README's history mapping, written again here so the check does not trust the gateway's code.

    One row per MLflow step timed by its latest point; if a key repeats at a step or a step is
    negative, one row per logging instant with _step counting rows and MLflow's step in mlflow_step.
    Rows are (step, timestamp in ms, {key: value}).
    """
    by_step = {}
    for key, step, ts, value in points:
        row = by_step.setdefault(step, [step, ts, {}])
        if step < 0 or key in row[2]:
            break
        row[1] = max(row[1], ts)
        row[2][key] = value
    else:
        return [tuple(by_step[s]) for s in sorted(by_step)]
    instants = {}
    # Ties (one key twice at one instant) in value order, as the gateway orders them.
    for key, step, ts, value in sorted(points, key=lambda p: (p[1], p[2], p[0], p[3])):
        rows = instants.setdefault((step, ts), [])
        row = next((r for r in rows if key not in r), None)
        if row is None:
            row = {STEP_KEY: step}
            rows.append(row)
        row[key] = value
    ordered = [(ts, row) for (_, ts), rows in sorted(instants.items()) for row in rows]
    return [(i, ts, row) for i, (ts, row) in enumerate(ordered)]


def as_rows(history):
    return [(row["_step"], round(row["_timestamp"] * 1000), {k: v for k, v in row.items() if not k.startswith("_")}) for row in history]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tracking-uri", required=True)
    ap.add_argument("--wandb-url", required=True)
    ap.add_argument("--entity", required=True)
    ap.add_argument("--project", required=True)
    ap.add_argument("--experiments", required=True)
    ap.add_argument("--skip", action="append", default=[])
    ap.add_argument("--files", action="store_true")
    args = ap.parse_args()
    client = MlflowClient(tracking_uri=args.tracking_uri)
    api = wandb.Api(overrides={"base_url": args.wandb_url}, api_key=os.environ["WANDB_API_KEY"], timeout=60)
    # One listing for the whole project (config, summary, tags... come with it), as a user would read it.
    dest = {r.id: r for r in api.runs(f"{args.entity}/{args.project}", per_page=1000)}
    exp_ids = args.experiments.split(",")
    names = {e: client.get_experiment(e).name for e in exp_ids}
    bad, n_runs, n_points, n_rows, n_files = [], 0, 0, 0, 0

    def mismatch(run_id, what, want, got):
        if len(bad) < 30:
            bad.append({"run": run_id, "what": what, "want": want, "got": got})

    seen = set()
    for run in all_runs(client, exp_ids):
        rid = run.info.run_id
        seen.add(rid)
        if rid in args.skip:
            if rid in dest:
                mismatch(rid, "present", False, True)
            continue
        n_runs += 1
        w = dest.get(rid)
        if w is None:
            mismatch(rid, "missing", True, False)
            continue
        tags = run.data.tags
        user_tags = {k: v for k, v in tags.items() if not k.startswith("mlflow.")}
        config = dict(run.data.params)
        if any(v != "" for v in user_tags.values()):
            config["mlflow_tags"] = {k: v for k, v in user_tags.items() if v != ""}
        system = {k: v for k, v in tags.items() if k.startswith("mlflow.")}
        if system:
            config["mlflow_system_tags"] = system
        want = {
            "name": run.info.run_name, "state": STATE[run.info.status], "notes": tags.get("mlflow.note.content"),
            "group": names[run.info.experiment_id], "config": config,
            "tags": sorted(k for k, v in user_tags.items() if v in ("", "true")),
            "commit": tags.get("mlflow.source.git.commit"),
        }
        got = {
            "name": w.name, "state": w.state, "notes": w.notes or None, "group": w.group,
            "config": {k: v for k, v in w.config.items() if not k.startswith("_")},
            "tags": sorted(w.tags), "commit": w._attrs.get("commit"),
        }
        for key, value in want.items():
            if got[key] != value:
                mismatch(rid, key, value, got[key])
        summary = w.summary._json_dict
        for key, value in run.data.metrics.items():
            if summary.get(key) != value:
                mismatch(rid, f"summary.{key}", value, summary.get(key))
        if run.info.end_time is not None:
            runtime = (run.info.end_time - run.info.start_time) / 1000
            if abs(summary.get("_runtime", -1) - runtime) > 1e-6:
                mismatch(rid, "summary._runtime", runtime, summary.get("_runtime"))
        meta = w.metadata or {}
        started = meta.get("startedAt")
        started_ms = round(datetime.fromisoformat(started.replace("Z", "+00:00")).timestamp() * 1000) if started else None
        if started_ms != run.info.start_time:
            mismatch(rid, "metadata.startedAt", run.info.start_time, started)
        if meta.get("username") != run.info.user_id:
            mismatch(rid, "metadata.username", run.info.user_id, meta.get("username"))
        points = [(m.key, m.step, m.timestamp, m.value) for key in run.data.metrics for m in client.get_metric_history(rid, key)]
        n_points += len(points)
        want_rows = expected_rows(points)
        got_rows = as_rows(w.scan_history(page_size=1000))
        n_rows += len(got_rows)
        if want_rows != got_rows:
            first = next((i for i, (a, b) in enumerate(zip(want_rows, got_rows)) if a != b), min(len(want_rows), len(got_rows)))
            mismatch(rid, "history", {"rows": len(want_rows), "at": first, "row": want_rows[first] if first < len(want_rows) else None},
                     {"rows": len(got_rows), "row": got_rows[first] if first < len(got_rows) else None})
        if args.files:
            held = {f.name: f for f in w.files()}
            with tempfile.TemporaryDirectory() as tmp:
                for path in artifact_files(client, rid):
                    n_files += 1
                    with open(client.download_artifacts(rid, path, os.path.join(tmp, "mlflow")), "rb") as fh:
                        sha = hashlib.sha256(fh.read()).hexdigest()
                    f = held.get(path)
                    if f is None:
                        mismatch(rid, f"file {path}", sha, None)
                        continue
                    with open(f.download(root=os.path.join(tmp, "wandb"), replace=True).name, "rb") as fh:
                        got_sha = hashlib.sha256(fh.read()).hexdigest()
                    if got_sha != sha:
                        mismatch(rid, f"file {path}", sha, got_sha)
    extra = [r for r in dest if r not in seen]
    if extra:
        mismatch(None, "W&B runs not in MLflow", 0, extra[:5])
    print(json.dumps({"runs": n_runs, "points": n_points, "rows": n_rows, "files": n_files, "mismatches": bad}))


if __name__ == "__main__":
    main()
