"""Seeds a running MLflow server with the real mlflow client, then writes a manifest of what the
client reports back (the truth the gateway's tests compare against).

usage: seed_mlflow.py --tracking-uri URI --profile {test,demo} --manifest PATH
"""
import argparse
import hashlib
import json
import math
import os
import random
import struct
import tempfile
import time
import zlib

from mlflow import MlflowClient
from mlflow.entities import Metric, Param, RunTag

GIT_SHA = "3f1c2a9b8e7d6c5b4a3928171615141312111009"


def tiny_png(r, g, b):
    """A valid 1x1 PNG, written with the stdlib so seeding needs nothing else."""
    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)
    ihdr = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    idat = zlib.compress(bytes([0, r, g, b]))
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


class Seeder:
    def __init__(self, uri):
        self.client = MlflowClient(tracking_uri=uri, registry_uri=uri)
        self.now = int(time.time() * 1000) - 3_600_000

    def experiment(self, name, tags=None):
        return self.client.create_experiment(name, tags=tags or {})

    def log_metrics(self, run_id, series):
        """series: {key: [(step, value), ...]}; logged in batches within MLflow's 1000-entity limit."""
        metrics = [Metric(k, float(v), self.now + step * 10, step) for k, pts in series.items() for step, v in pts]
        for i in range(0, len(metrics), 1000):
            self.client.log_batch(run_id, metrics=metrics[i:i + 1000])

    def run(self, exp_id, name, params=None, tags=None, series=None, status="FINISHED", files=None):
        run = self.client.create_run(exp_id, run_name=name, tags=tags or {}, start_time=self.now)
        self.now += 1000
        rid = run.info.run_id
        if params:
            self.client.log_batch(rid, params=[Param(k, str(v)) for k, v in params.items()])
        if series:
            self.log_metrics(rid, series)
        for rel, data in (files or {}).items():
            with tempfile.TemporaryDirectory() as tmp:
                path = os.path.join(tmp, os.path.basename(rel))
                with open(path, "wb") as fh:
                    fh.write(data)
                self.client.log_artifact(rid, path, os.path.dirname(rel) or None)
        if status != "RUNNING":
            self.client.set_terminated(rid, status=status, end_time=self.now + 500)
        return rid

    def model(self, name, description, tags, versions, aliases):
        self.client.create_registered_model(name, tags=tags, description=description)
        for run_id, vtags, vdesc in versions:
            run = self.client.get_run(run_id)
            v = self.client.create_model_version(name, f"{run.info.artifact_uri}/model", run_id=run_id,
                                                 tags=vtags, description=vdesc)
            self.wait_ready(name, v.version)
        for alias, version in aliases.items():
            self.client.set_registered_model_alias(name, alias, version)

    def wait_ready(self, name, version):
        for _ in range(100):
            if self.client.get_model_version(name, version).status == "READY":
                return
            time.sleep(0.1)


def model_files(seed):
    return {"model/MLmodel": f"artifact_path: model\nflavors: {{}}\nseed: {seed}\n".encode(),
            "model/weights.bin": bytes(random.Random(seed).randrange(256) for _ in range(2048))}


def seed_test(s):
    main = s.experiment("mlgate-main", {"team": "vision"})
    steps = range(20)
    baseline = s.run(main, "baseline",
                     params={"lr": 0.01, "batch_size": 32, "optimizer": "adam", "model.depth": 12},
                     tags={"stage": "dev", "priority": "high", "mlflow.note.content": "Baseline with Adam.",
                           "mlflow.source.git.commit": GIT_SHA, "mlflow.source.name": "train.py",
                           "mlflow.source.type": "LOCAL", "mlflow.user": "ada"},
                     series={"loss": [(i, 1.0 / (i + 1)) for i in steps], "acc": [(i, 0.5 + i / 40) for i in steps]},
                     files={"README.txt": b"baseline run\n", "model/config.json": b'{"depth": 12}\n',
                            "plots/loss.png": tiny_png(200, 30, 30), "plots/acc.png": tiny_png(30, 200, 30),
                            **model_files(1)})
    long = s.run(main, "long-history", params={"lr": 0.001},
                 series={"loss": [(i, math.exp(-i / 1000)) for i in range(3000)],
                         "lr": [(i, 0.001 * (1 - i / 3000)) for i in range(3000)],
                         "val_loss": [(i, 1.1 * math.exp(-i / 1000)) for i in range(0, 3000, 100)]},
                 files=model_files(2))
    s.run(main, "failed-run", params={"lr": 1.0}, series={"loss": [(0, 9.5)]}, status="FAILED")
    s.run(main, "still-running", series={"loss": [(0, 2.0)]}, status="RUNNING")
    page = s.experiment("mlgate-page")
    for i in range(60):
        s.run(page, f"page-{i:02d}", params={"idx": i, "lr": round(0.001 * (i % 7 + 1), 4)},
              tags={"parity": "even" if i % 2 == 0 else "odd"},
              series={"acc": [(0, i / 100)], "loss": [(0, 1 - i / 100)]})
    s.experiment("mlgate-empty")
    s.model("mlgate-classifier", "Classifies things.", {"task": "classification"},
            [(baseline, {}, None), (long, {"validated": "true"}, "Trained longer.")], {"champion": "2"})


def seed_demo(s):
    rng = random.Random(7)
    for exp_name, team, runs in [("mnist-cnn", "vision", [("cnn-small", 0.01, 32), ("cnn-large", 0.003, 64), ("cnn-dropout", 0.005, 64)]),
                                 ("bert-finetune", "nlp", [("bert-base", 3e-5, 16), ("bert-large", 1e-5, 8)])]:
        exp = s.experiment(exp_name, {"team": team})
        for name, lr, bs in runs:
            noise = [rng.uniform(-0.01, 0.01) for _ in range(100)]
            rid = s.run(exp, name, params={"lr": lr, "batch_size": bs, "epochs": 10},
                        tags={"stage": "demo", "mlflow.note.content": f"{name}: lr={lr}, batch={bs}",
                              "mlflow.source.git.commit": GIT_SHA, "mlflow.source.name": "train.py",
                              "mlflow.source.type": "LOCAL"},
                        series={"loss": [(i, 2.0 * math.exp(-i / (30 + bs)) + noise[i]) for i in range(100)],
                                "val_acc": [(i, 0.6 + 0.35 * (1 - math.exp(-i / 25)) + noise[i]) for i in range(0, 100, 5)]},
                        files={"plots/loss.png": tiny_png(50, 90, 200), "README.txt": f"{name}\n".encode(), **model_files(bs)})
        if exp_name == "mnist-cnn":
            ids = [r.info.run_id for r in s.client.search_runs([exp], order_by=["attributes.start_time ASC"])]
            s.model("mnist-classifier", "Digit classifier.", {"task": "classification"},
                    [(ids[0], {}, "First try."), (ids[1], {"validated": "true"}, "Bigger model.")], {"champion": "2"})


def artifacts(client, run_id, root, path=None):
    out = []
    for f in client.list_artifacts(run_id, path):
        if f.is_dir:
            out += artifacts(client, run_id, root, f.path)
        else:
            with open(client.download_artifacts(run_id, f.path, root), "rb") as fh:
                data = fh.read()
            out.append({"path": f.path, "size": f.file_size, "sha256": hashlib.sha256(data).hexdigest()})
    return out


def manifest(client, uri):
    exps = [e for e in client.search_experiments() if e.name != "Default"]
    runs, experiments = [], []
    with tempfile.TemporaryDirectory() as tmp:
        for e in exps:
            found = client.search_runs([e.experiment_id], max_results=1000)
            experiments.append({"id": e.experiment_id, "name": e.name, "tags": dict(e.tags),
                                "runIds": [r.info.run_id for r in found]})
            for r in found:
                rid = r.info.run_id
                tags = r.data.tags
                history = {}
                for key in r.data.metrics:
                    pts = client.get_metric_history(rid, key)
                    history[key] = sorted([[m.step, m.value, m.timestamp] for m in pts], key=lambda p: (p[0], p[2]))
                latest = {}
                for m in client.get_run(rid).data._metric_objs:
                    latest[m.key] = {"value": m.value, "step": m.step, "timestamp": m.timestamp}
                runs.append({
                    "id": rid, "experimentId": e.experiment_id, "name": r.info.run_name, "status": r.info.status,
                    "startTime": r.info.start_time, "endTime": r.info.end_time, "user": r.info.user_id or tags.get("mlflow.user"),
                    "params": dict(r.data.params), "metrics": latest, "history": history,
                    "tags": {k: v for k, v in tags.items() if not k.startswith("mlflow.")},
                    "systemTags": {k: v for k, v in tags.items() if k.startswith("mlflow.")},
                    "notes": tags.get("mlflow.note.content"), "gitCommit": tags.get("mlflow.source.git.commit"),
                    "sourceName": tags.get("mlflow.source.name"),
                    "artifacts": artifacts(client, rid, os.path.join(tmp, rid)),
                })
    models = []
    for m in client.search_registered_models():
        versions = client.search_model_versions(f"name = '{m.name}'")
        models.append({
            "name": m.name, "description": m.description or None, "tags": dict(m.tags), "aliases": dict(m.aliases),
            "versions": [{"version": str(v.version), "runId": v.run_id, "source": v.source, "status": v.status,
                          "description": v.description or None, "tags": dict(v.tags),
                          "aliases": list(client.get_model_version(m.name, v.version).aliases)} for v in versions],
        })
    return {"trackingUri": uri, "experiments": experiments, "runs": runs, "registeredModels": models}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tracking-uri", required=True)
    ap.add_argument("--profile", choices=["test", "demo"], required=True)
    ap.add_argument("--manifest", required=True)
    args = ap.parse_args()
    s = Seeder(args.tracking_uri)
    (seed_test if args.profile == "test" else seed_demo)(s)
    data = manifest(s.client, args.tracking_uri)
    tmp = args.manifest + ".tmp"
    with open(tmp, "w") as fh:
        json.dump(data, fh, indent=1)
    os.replace(tmp, args.manifest)  # appears whole: the demo script waits for this file


if __name__ == "__main__":
    main()
