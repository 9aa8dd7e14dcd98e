"""The run write protocol an import uses (wandb-core's UpsertBucket + file_stream), read back by the real SDK.

wandb.init() is not driven here: the requests are the ones wandb-core sends, built from its source
(core/api/graphql/mutation_run.graphql; core/internal/filestream/filestreamrequest.go,
FileStreamRequestJSON: {"files": {<name>: {"offset": <line>, "content": [<line>, ...]}},
"uploaded": [...], "complete": bool, "exitcode": int}, gzip-compressed with
`Content-Encoding: gzip` when the server offers FILESTREAM_GZIP). Another entity than the
conformance seed's, so the seeded project lists stay as other tests expect them.
"""
import gzip
import json
import os

import requests

from conftest import reread

ENTITY = "mlgate-import"
PROJECT = "from-mlflow"

# wandb-core's UpsertBucket, as sent by the SDK (argument list trimmed to what is used below).
UPSERT_BUCKET = """
mutation UpsertBucket($name: String, $project: String, $entity: String, $groupName: String,
    $displayName: String, $notes: String, $config: JSONString, $jobType: String, $state: String,
    $tags: [String!], $summaryMetrics: JSONString) {
  upsertBucket(input: {name: $name, modelName: $project, entityName: $entity, groupName: $groupName,
      displayName: $displayName, notes: $notes, config: $config, jobType: $jobType, state: $state,
      tags: $tags, summaryMetrics: $summaryMetrics}) {
    bucket { id name displayName description config sweepName project { id name entity { id name } } historyLineCount }
    inserted
  }
}
"""


def base():
    return os.environ["WANDB_BASE_URL"]


def auth():
    return ("api", os.environ["WANDB_API_KEY"])


def upsert(run_id, **variables):
    res = requests.post(f"{base()}/graphql", auth=auth(), timeout=30, json={
        "query": UPSERT_BUCKET, "operationName": "UpsertBucket",
        "variables": {"name": run_id, "project": PROJECT, "entity": ENTITY, **variables},
    })
    res.raise_for_status()
    body = res.json()
    assert "errors" not in body, body
    return body["data"]["upsertBucket"]


def file_stream(run_id, payload, gzipped=False):
    data = json.dumps(payload).encode()
    headers = {"Content-Type": "application/json"}
    if gzipped:
        data = gzip.compress(data)
        headers["Content-Encoding"] = "gzip"
    res = requests.post(f"{base()}/files/{ENTITY}/{PROJECT}/{run_id}/file_stream", auth=auth(), data=data, headers=headers, timeout=30)
    return res


def history_chunk(offset, rows):
    return {"files": {"wandb-history.jsonl": {"offset": offset, "content": [json.dumps(r) for r in rows]}}}


def rows(start, n, scale=1.0):
    return [{"_step": 10 * i, "_timestamp": 1700000000.25 + i, "_runtime": float(i), "loss": scale * i / 100, "acc": i / 1000} for i in range(start, start + n)]


def test_imported_run_reads_back_with_config_summary_and_metadata():
    created = upsert(
        "a1b2c3", displayName="mlflow run", notes="imported", groupName="Experiment 7", jobType="train",
        state="running", tags=["imported"], config=json.dumps({"lr": {"value": 0.01, "desc": None}, "opt": {"value": "adam", "desc": None}}),
        summaryMetrics=json.dumps({"loss": 1.0}),
    )
    assert created["inserted"] is True and created["bucket"]["historyLineCount"] == 0
    assert file_stream("a1b2c3", {
        "files": {"wandb-summary.json": {"offset": 0, "content": [json.dumps({"loss": 0.5, "best": 0.1})]}},
        "complete": True, "exitcode": 0,
    }).json() == {"exitcode": None, "limits": {}}
    run = reread(f"{ENTITY}/{PROJECT}/a1b2c3")
    assert (run.name, run.notes, run.group, run.job_type, run.tags, run.state) == ("mlflow run", "imported", "Experiment 7", "train", ["imported"], "finished")
    assert run.config == {"lr": 0.01, "opt": "adam"}
    assert run.summary["loss"] == 0.5 and run.summary["best"] == 0.1


def test_history_chunks_at_offsets_resend_without_duplicates_and_keep_steps_and_timestamps():
    upsert("d4e5f6", displayName="history run", state="running", config="{}", summaryMetrics="{}")
    assert file_stream("d4e5f6", history_chunk(0, rows(0, 1000))).status_code == 200
    assert file_stream("d4e5f6", history_chunk(1000, rows(1000, 1000)), gzipped=True).status_code == 200
    # The first chunk again (a retry after a lost answer): it lands on lines 0..999 once more.
    assert file_stream("d4e5f6", history_chunk(0, rows(0, 1000))).status_code == 200
    assert file_stream("d4e5f6", history_chunk(2000, rows(2000, 500)), gzipped=True).status_code == 200
    assert file_stream("d4e5f6", {"complete": True, "exitcode": 1}).status_code == 200

    run = reread(f"{ENTITY}/{PROJECT}/d4e5f6")
    assert run.state == "failed"
    assert run.lastHistoryStep == 24990
    scanned = list(run.scan_history(page_size=700))
    assert len(scanned) == 2500
    assert [r["_step"] for r in scanned] == [10 * i for i in range(2500)]
    assert scanned[1234]["_timestamp"] == 1700000000.25 + 1234
    assert scanned[1234]["loss"] == 12.34
    window = list(run.scan_history(keys=["loss"], min_step=100, max_step=200))
    assert [r["_step"] for r in window] == list(range(100, 200, 10))
    sampled = run.history(samples=50, keys=["acc"], pandas=False)
    assert 2 <= len(sampled) <= 50 and sampled[-1]["_step"] == 24990


def test_a_chunk_past_the_end_of_history_is_refused_and_changes_nothing():
    upsert("g7h8i9", state="running", config="{}", summaryMetrics="{}")
    assert file_stream("g7h8i9", history_chunk(0, rows(0, 5))).status_code == 200
    refused = file_stream("g7h8i9", history_chunk(10, rows(10, 5)))
    assert refused.status_code == 400
    run = reread(f"{ENTITY}/{PROJECT}/g7h8i9")
    assert [r["_step"] for r in run.scan_history()] == [0, 10, 20, 30, 40]


def test_a_throttled_file_stream_answers_429_with_retry_after_and_applies_nothing():
    upsert("j1k2l3", state="running", config="{}", summaryMetrics="{}")
    assert requests.post(f"{base()}/_test/throttle-file-stream", auth=auth(), json={"count": 1, "retryAfter": 3}, timeout=30).ok
    refused = file_stream("j1k2l3", history_chunk(0, rows(0, 5)))
    assert (refused.status_code, refused.headers["Retry-After"]) == (429, "3")
    assert list(reread(f"{ENTITY}/{PROJECT}/j1k2l3").scan_history()) == []
    assert file_stream("j1k2l3", history_chunk(0, rows(0, 5))).status_code == 200
    assert len(list(reread(f"{ENTITY}/{PROJECT}/j1k2l3").scan_history())) == 5
