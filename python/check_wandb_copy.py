"""Checks a W&B -> W&B import run for run and row for row with the real wandb SDK's public API: every
run of the source project is in the destination with the same id, display name, end state, group,
job type, notes, tags, commit, config and summary (W&B's own `_wandb` aside), the same full history
(scan_history, unsampled) and, with --files, the same files byte for byte (the ones W&B writes from
the history and summary itself aside). No destination run is missing from the source.

usage: check_wandb_copy.py --wandb-url URL --source ENTITY/PROJECT --dest ENTITY/PROJECT [--files]
WANDB_API_KEY in the environment. Prints {"runs": n, "rows": n, "files": n, "mismatches": [...]}.
"""
import argparse
import hashlib
import json
import os
import tempfile

import wandb

STREAMED = {"wandb-history.jsonl", "wandb-summary.json", "wandb-events.jsonl"}
END_STATE = {"finished": "finished", "failed": "failed", "crashed": "failed", "killed": "failed"}


def sha(f, root):
    with open(f.download(root=root, replace=True).name, "rb") as fh:
        return hashlib.sha256(fh.read()).hexdigest()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--wandb-url", required=True)
    ap.add_argument("--source", required=True)
    ap.add_argument("--dest", required=True)
    ap.add_argument("--files", action="store_true")
    args = ap.parse_args()
    api = wandb.Api(overrides={"base_url": args.wandb_url}, api_key=os.environ["WANDB_API_KEY"], timeout=60)
    src = {r.id: r for r in api.runs(args.source, per_page=1000)}
    dst = {r.id: r for r in api.runs(args.dest, per_page=1000)}
    bad, n_rows, n_files = [], 0, 0

    def mismatch(run_id, what, want, got):
        if len(bad) < 30:
            bad.append({"run": run_id, "what": what, "want": want, "got": got})

    for rid, s in src.items():
        d = dst.get(rid)
        if d is None:
            mismatch(rid, "missing", True, False)
            continue
        want = {
            "name": s.name, "state": END_STATE.get(s.state, "running"), "group": s.group, "job_type": s.job_type,
            "notes": s.notes or None, "tags": sorted(s.tags), "commit": s._attrs.get("commit"),
            "config": {k: v for k, v in s.config.items() if not k.startswith("_")},
            "summary": {k: v for k, v in s.summary._json_dict.items() if k != "_wandb"},
        }
        got = {
            "name": d.name, "state": d.state, "group": d.group, "job_type": d.job_type,
            "notes": d.notes or None, "tags": sorted(d.tags), "commit": d._attrs.get("commit"),
            "config": {k: v for k, v in d.config.items() if not k.startswith("_")},
            "summary": {k: v for k, v in d.summary._json_dict.items() if k != "_wandb"},
        }
        for key, value in want.items():
            if got[key] != value:
                mismatch(rid, key, value, got[key])
        rows_s = list(s.scan_history(page_size=1000))
        rows_d = list(d.scan_history(page_size=1000))
        n_rows += len(rows_d)
        if rows_s != rows_d:
            first = next((i for i, (a, b) in enumerate(zip(rows_s, rows_d)) if a != b), min(len(rows_s), len(rows_d)))
            mismatch(rid, "history", {"rows": len(rows_s), "at": first}, {"rows": len(rows_d)})
        if args.files:
            held = {f.name: f for f in d.files()}
            with tempfile.TemporaryDirectory() as tmp:
                for f in s.files():
                    if f.name in STREAMED:
                        continue
                    n_files += 1
                    if f.name not in held:
                        mismatch(rid, f"file {f.name}", "present", None)
                    elif sha(f, os.path.join(tmp, "s")) != sha(held[f.name], os.path.join(tmp, "d")):
                        mismatch(rid, f"file {f.name}", "same bytes", "different")
    extra = [r for r in dst if r not in src]
    if extra:
        mismatch(None, "destination runs not in the source", 0, extra[:5])
    print(json.dumps({"runs": len(src), "rows": n_rows, "files": n_files, "mismatches": bad}))


if __name__ == "__main__":
    main()
