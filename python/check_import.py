"""Checks an import run for run against MLflow as the real mlflow client reads it: identity, times,
state, user, notes, group, config (params + tags), W&B tags, summary (latest metrics), the whole
metric history point for point (key, step, timestamp to the millisecond, value) and artifact files
(by sha256). The destination is given as JSON (what the W&B destination holds, keyed by run id).

usage: check_import.py --tracking-uri URI --dest-json PATH --experiments ID[,ID...] [--skip RUN_ID ...] [--files]
prints {"runs": n, "points": n, "files": n, "mismatches": [...]}
"""
import argparse
import hashlib
import json
import os
import tempfile

from mlflow import MlflowClient

STATE = {"FINISHED": "finished", "FAILED": "failed", "KILLED": "crashed", "RUNNING": "running", "SCHEDULED": "running"}


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


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tracking-uri", required=True)
    ap.add_argument("--dest-json", required=True)
    ap.add_argument("--experiments", required=True)
    ap.add_argument("--skip", action="append", default=[])
    ap.add_argument("--files", action="store_true")
    args = ap.parse_args()
    client = MlflowClient(tracking_uri=args.tracking_uri)
    with open(args.dest_json) as fh:
        dest = json.load(fh)
    exp_ids = args.experiments.split(",")
    names = {e: client.get_experiment(e).name for e in exp_ids}
    bad, n_runs, n_points, n_files = [], 0, 0, 0

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
        d = dest.get(rid)
        if d is None:
            mismatch(rid, "missing", True, False)
            continue
        spec, tags = d["spec"], run.data.tags
        user_tags = {k: v for k, v in tags.items() if not k.startswith("mlflow.")}
        config = dict(run.data.params)
        if any(v != "" for v in user_tags.values()):
            config["mlflow_tags"] = {k: v for k, v in user_tags.items() if v != ""}
        system = {k: v for k, v in tags.items() if k.startswith("mlflow.")}
        if system:
            config["mlflow_system_tags"] = system
        want = {
            "displayName": run.info.run_name, "startedAt": run.info.start_time, "endedAt": run.info.end_time,
            "user": run.info.user_id, "state": STATE[run.info.status], "notes": tags.get("mlflow.note.content"),
            "group": names[run.info.experiment_id], "config": config,
            "tags": sorted(k for k, v in user_tags.items() if v in ("", "true")),
        }
        for key, value in want.items():
            if spec.get(key) != value:
                mismatch(rid, key, value, spec.get(key))
        summary = d["summary"]
        for key, value in run.data.metrics.items():
            if summary.get(key) != value:
                mismatch(rid, f"summary.{key}", value, summary.get(key))
        points = sorted(
            (m.key, m.step, m.timestamp, m.value)
            for key in run.data.metrics
            for m in client.get_metric_history(rid, key)
        )
        got = sorted(
            (k, row["_step"], round(row["_timestamp"] * 1000), v)
            for row in d["history"] for k, v in row.items() if not k.startswith("_")
        )
        n_points += len(points)
        if points != got:
            diff = [p for p in points if p not in set(got)][:3]
            mismatch(rid, "history", len(points), {"rows": len(d["history"]), "points": len(got), "first missing": diff})
        if args.files:
            with tempfile.TemporaryDirectory() as tmp:
                for path in artifact_files(client, rid):
                    local = client.download_artifacts(rid, path, tmp)
                    with open(local, "rb") as fh:
                        sha = hashlib.sha256(fh.read()).hexdigest()
                    n_files += 1
                    if d["files"].get(path) != sha:
                        mismatch(rid, f"file {path}", sha, d["files"].get(path))
    extra = [r for r in dest if r not in seen]
    if extra:
        mismatch(None, "runs not in MLflow", 0, extra[:5])
    print(json.dumps({"runs": n_runs, "points": n_points, "files": n_files, "mismatches": bad}))


if __name__ == "__main__":
    main()
