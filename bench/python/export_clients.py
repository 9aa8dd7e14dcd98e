"""The direct clients doing the benchmark's jobs, the way W&B's and MLflow's docs show them.

usage: export_clients.py <job> <out.csv> [args...]; prints one JSON line:
{"rows": n, "seconds": s, "peakMemMb": peak RSS growth over the job, "requests": n or null}
Jobs: wandb-export <entity/project>; wandb-filter <entity/project> <filter json>;
      mlflow-export <experiment id>; mlflow-filter <experiment id> <filter string>.
"""
import json
import sys
import threading
import time


def rss_mb():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


class PeakSampler(threading.Thread):
    """ru_maxrss would include the imports' own peak; sampling RSS during the job measures the job."""

    def __init__(self):
        super().__init__(daemon=True)
        self.peak = rss_mb()
        self.running = True

    def run(self):
        while self.running:
            self.peak = max(self.peak, rss_mb())
            time.sleep(0.01)


def wandb_export(path, out):
    """W&B's documented export: iterate api.runs(), collect summary, config and name, write CSV."""
    import pandas as pd
    import wandb
    api = wandb.Api(timeout=60)
    runs = api.runs(path)
    summary_list, config_list, name_list = [], [], []
    for run in runs:
        summary_list.append(run.summary._json_dict)
        config_list.append({k: v for k, v in run.config.items() if not k.startswith("_")})
        name_list.append(run.name)
    pd.DataFrame({"summary": summary_list, "config": config_list, "name": name_list}).to_csv(out)
    return len(name_list)


def wandb_filter(path, filters):
    import wandb
    api = wandb.Api(timeout=60)
    return sum(1 for _ in api.runs(path, filters=json.loads(filters)))


def mlflow_rows(exp_id, filter_string=""):
    from mlflow.tracking import MlflowClient
    client = MlflowClient()
    token = None
    while True:
        page = client.search_runs([exp_id], filter_string=filter_string, max_results=1000, page_token=token)
        yield from page
        token = page.token
        if not token:
            return


def mlflow_export(exp_id, out):
    """MlflowClient.search_runs paged to the end, flattened into a DataFrame, written as CSV."""
    import pandas as pd
    rows = []
    for r in mlflow_rows(exp_id):
        row = {"run_id": r.info.run_id, "name": r.info.run_name, "status": r.info.status, "start_time": r.info.start_time}
        row.update({f"params.{k}": v for k, v in r.data.params.items()})
        row.update({f"metrics.{k}": v for k, v in r.data.metrics.items()})
        rows.append(row)
    pd.DataFrame(rows).to_csv(out, index=False)
    return len(rows)


def mlflow_filter(exp_id, filter_string):
    return sum(1 for _ in mlflow_rows(exp_id, filter_string))


def count_mlflow_requests():
    """Counts the REST calls the mlflow client makes (the gateway's are counted from its logs)."""
    from mlflow.utils import rest_utils
    counter = {"n": 0}
    original = rest_utils.http_request

    def counted(*args, **kwargs):
        counter["n"] += 1
        return original(*args, **kwargs)

    rest_utils.http_request = counted
    return counter


def main():
    job, out, *args = sys.argv[1:]
    counter = None
    if job.startswith("mlflow"):
        import mlflow  # noqa: F401  (imported before the baseline, like wandb below)
        counter = count_mlflow_requests()
    else:
        import pandas  # noqa: F401
        import wandb  # noqa: F401
    base = rss_mb()
    sampler = PeakSampler()
    sampler.start()
    t = time.perf_counter()
    if job == "wandb-export":
        rows = wandb_export(args[0], out)
    elif job == "wandb-filter":
        rows = wandb_filter(args[0], args[1])
    elif job == "mlflow-export":
        rows = mlflow_export(args[0], out)
    elif job == "mlflow-filter":
        rows = mlflow_filter(args[0], args[1])
    else:
        raise SystemExit(f"unknown job {job}")
    seconds = time.perf_counter() - t
    sampler.running = False
    sampler.join()
    print(json.dumps({"rows": rows, "seconds": seconds, "peakMemMb": round(sampler.peak - base, 1),
                      "requests": counter["n"] if counter else None}))


if __name__ == "__main__":
    main()
