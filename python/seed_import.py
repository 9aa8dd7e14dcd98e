"""Seeds an MLflow server for the import tests with the real mlflow client: >1000 runs across three
experiments (params, valued/valueless/system tags, git commits, notes, statuses), three runs with
3000-step histories at distinct timestamps, a run that logged without steps, artifacts, and one run whose param collides with a key the
import reserves (it must become a problem, not a silent overwrite). Prints a JSON summary.

usage: seed_import.py --tracking-uri URI --artifact-root DIR [--runs N]

The tracking URI may be the server's own store (sqlite:///...), written before the server starts:
the same client, with no HTTP round trip per call, keeps seeding well under a minute.
"""
import argparse
import json
import os
import tempfile
import time

from mlflow import MlflowClient
from mlflow.entities import Metric, Param, RunTag

STATUSES = ["FINISHED", "FINISHED", "FINISHED", "FAILED", "KILLED"]


def seed_run(client, exp_id, i, base):
    start = base + i * 1000
    tags = {"team": "vision" if i % 2 else "nlp", "baseline": "", "mlflow.note.content": f"note {i}"}
    if i % 3 == 0:
        tags["keep"] = "true"
    if i % 4 == 0:
        tags.update({"mlflow.source.name": "train.py", "mlflow.source.git.commit": f"{i:040x}"})
    run = client.create_run(exp_id, run_name=f"run-{exp_id}-{i}", tags=tags, start_time=start)
    rid = run.info.run_id
    metrics = [Metric("loss", 1.0 / (s + 1) + i * 1e-3, start + 10 * s + 1, s) for s in range(5)]
    metrics += [Metric("acc", 0.1 * s, start + 10 * s + 1, s) for s in range(5)]
    params = [Param("lr", str(0.001 * (i % 7 + 1))), Param("layers", str(i % 5)), Param("idx", str(i))]
    client.log_batch(rid, metrics=metrics, params=params)
    status = STATUSES[i % len(STATUSES)]
    if i % 50 != 7:  # a few stay RUNNING
        client.set_terminated(rid, status=status, end_time=start + 600)
    return rid


def long_run(client, exp_id, k, base):
    start = base + k * 100_000
    run = client.create_run(exp_id, run_name=f"long-{k}", tags={"kind": "long"}, start_time=start)
    rid = run.info.run_id
    pts = []
    for s in range(3000):
        t = start + 1000 + s * 37 + k
        pts.append(Metric("loss", 3.0 / (s + 1), t, s))
        pts.append(Metric("acc", s / 3000.0, t, s))
        if s % 10 == 0:
            pts.append(Metric("lr", 0.1 / (1 + s // 10), t + 5, s))  # same step, its own time
    for j in range(0, len(pts), 1000):
        client.log_batch(rid, metrics=pts[j:j + 1000])
    client.log_batch(rid, params=[Param("schedule", "cosine"), Param("k", str(k))])
    if k < 2:
        with tempfile.TemporaryDirectory() as tmp:
            with open(os.path.join(tmp, "weights.bin"), "wb") as fh:
                fh.write(bytes((b * 7 + k) % 256 for b in range(40_000)))
            with open(os.path.join(tmp, "README.txt"), "w") as fh:
                fh.write(f"long run {k}\n")
            client.log_artifact(rid, os.path.join(tmp, "weights.bin"), "model")
            client.log_artifact(rid, os.path.join(tmp, "README.txt"))
    client.set_terminated(rid, status="FINISHED", end_time=start + 1000 + 3000 * 37 + 100)
    return rid


def stepless_run(client, exp_id, base):
    """Metrics logged without a step, as mlflow.log_metric does by default: every point at step 0."""
    run = client.create_run(exp_id, run_name="no-steps", start_time=base)
    rid = run.info.run_id
    pts = [Metric("loss", 1.0 / (j + 1), base + 100 * j, 0) for j in range(40)]
    pts += [Metric("acc", j / 40.0, base + 100 * j, 0) for j in range(0, 40, 2)]
    client.log_batch(rid, metrics=pts)
    client.set_terminated(rid, status="FINISHED", end_time=base + 5000)
    return rid


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tracking-uri", required=True)
    ap.add_argument("--artifact-root", required=True)
    ap.add_argument("--runs", type=int, default=1040)
    args = ap.parse_args()
    client = MlflowClient(tracking_uri=args.tracking_uri)
    t0 = time.time()
    base = int(time.time() * 1000) - 30 * 86_400_000
    exp = lambda name: client.create_experiment(name, artifact_location=os.path.join(args.artifact_root, name))
    a, b, c = exp("import-alpha"), exp("import-beta"), exp("import-long")
    half = args.runs // 2
    alpha = [seed_run(client, a, i, base) for i in range(half)]
    beta = [seed_run(client, b, i, base + 10_000_000) for i in range(args.runs - half)]
    long = [long_run(client, c, k, base + 50_000_000) for k in range(3)]
    stepless = stepless_run(client, a, base + 70_000_000)
    bad = client.create_run(c, run_name="reserved-param", start_time=base + 60_000_000)
    client.log_batch(bad.info.run_id, params=[Param("mlflow_tags", "clash")], metrics=[Metric("loss", 1.0, base + 60_000_001, 0)])
    client.set_terminated(bad.info.run_id, status="FINISHED", end_time=base + 60_000_100)
    print(json.dumps({
        "experiments": {"import-alpha": a, "import-beta": b, "import-long": c},
        "runs": len(alpha) + len(beta) + len(long) + 2,
        "counts": {"import-alpha": len(alpha) + 1, "import-beta": len(beta), "import-long": len(long) + 1},
        "long": long,
        "stepless": stepless,
        "bad": bad.info.run_id,
        "seconds": round(time.time() - t0, 1),
    }))


if __name__ == "__main__":
    main()
