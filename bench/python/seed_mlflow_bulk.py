"""Seeds one MLflow experiment with N runs through the real mlflow client, for the benchmarks.

usage: seed_mlflow_bulk.py <tracking_uri> <experiment> <runs>
Each run: 5 params, 3 metrics (one point each), 2 tags, FINISHED. Prints the experiment id.
"""
import contextlib
import io
import sys
import time
from concurrent.futures import ThreadPoolExecutor

from mlflow.entities import Metric, Param, RunTag
from mlflow.tracking import MlflowClient


def seed_run(client, exp_id, i, t0):
    run = client.create_run(exp_id, start_time=t0 + i * 1000, run_name=f"bulk-{i:05d}",
                            tags={"parity": "even" if i % 2 == 0 else "odd", "team": "bench"})
    rid = run.info.run_id
    client.log_batch(rid,
                     metrics=[Metric("acc", (i % 100) / 100, t0 + i * 1000, 0), Metric("loss", 1 - (i % 100) / 100, t0 + i * 1000, 0),
                              Metric("val_acc", (i % 97) / 97, t0 + i * 1000, 0)],
                     params=[Param("lr", str(round(0.001 * (i % 10 + 1), 4))), Param("batch_size", str(32 * (1 + i % 4))),
                             Param("optimizer", "adam" if i % 3 else "sgd"), Param("epochs", str(10 + i % 5)), Param("seed", str(i))])
    client.set_terminated(rid, "FINISHED", end_time=t0 + i * 1000 + 500)


def main():
    uri, name, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
    client = MlflowClient(uri)
    exp_id = client.create_experiment(name)
    t0 = int(time.time() * 1000) - n * 1000
    # The client prints a line per finished run; only the experiment id is this script's output.
    with contextlib.redirect_stdout(io.StringIO()), ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda i: seed_run(client, exp_id, i, t0), range(n)))
    print(exp_id)


if __name__ == "__main__":
    main()
