"""Runs, history, system metrics, summary/config updates and files through the real wandb SDK."""
import pytest

from conftest import ENTITY, reread


def test_fetches_a_run_by_path_with_its_config_summary_and_metadata(api):
    run = api.run(f"{ENTITY}/vision/run00001")
    assert run.id == "run00001"
    assert run.name == "trial-1"
    assert run.state == "finished"
    assert run.config == {"experiment_name": "bar", "lr": 0.002, "batch_size": 64, "model": {"depth": 9, "act": "relu"}}
    assert run.summary["val_acc"] == 0.71
    assert run.summary["_step"] == 49
    assert run.tags == ["main"]
    assert run.group == "sweep-a"
    assert run.job_type == "train"
    assert run.notes == "notes of trial 1"
    assert run.created_at.startswith("2026-01-02T09:00:00")
    assert run.lastHistoryStep == 49


def test_lists_an_entitys_projects(api):
    assert [p.name for p in api.projects(ENTITY)] == ["vision", "bulk", "empty"]


def test_missing_run_is_an_error(api):
    with pytest.raises(Exception, match="Could not find run"):
        api.run(f"{ENTITY}/vision/nosuchrun")


def test_samples_history_of_chosen_keys(api):
    run = api.run(f"{ENTITY}/vision/run00001")
    rows = run.history(samples=10, keys=["loss"], pandas=False)
    assert 2 <= len(rows) <= 10
    assert rows[0]["_step"] == 0 and rows[-1]["_step"] == 49
    assert all(set(r) == {"_step", "loss"} for r in rows)


def test_samples_full_history_rows(api):
    rows = api.run(f"{ENTITY}/vision/run00001").history(samples=5, pandas=False)
    assert len(rows) == 5
    assert {"_step", "_runtime", "_timestamp", "loss", "acc"} <= set(rows[0])


def test_scans_the_whole_history_in_pages(api):
    run = api.run(f"{ENTITY}/vision/longhist1")
    rows = list(run.scan_history(keys=["loss"], page_size=1000))
    assert [r["_step"] for r in rows] == list(range(2500))
    val = list(run.scan_history(keys=["val_loss"], page_size=300))
    assert [r["_step"] for r in val] == list(range(0, 2500, 10))
    everything = list(run.scan_history(page_size=700))
    assert len(everything) == 2500 and everything[2499]["_step"] == 2499


def test_reads_system_metrics(api):
    rows = api.run(f"{ENTITY}/vision/run00002").history(stream="events", pandas=False)
    assert len(rows) == 12
    assert rows[0]["system.cpu"] == 20


def test_queries_runs_with_an_or_filter_an_order_and_pages(api):
    runs = api.runs(
        f"{ENTITY}/vision",
        filters={"$or": [{"config.experiment_name": "foo"}, {"config.experiment_name": "bar"}]},
        order="-summary_metrics.val_acc",
        per_page=2,
    )
    assert len(runs) == 5
    assert [r.id for r in runs] == ["longhist1", "run00004", "run00003", "run00001", "run00000"]


def test_filters_on_time_tags_and_regex(api):
    assert len(api.runs(f"{ENTITY}/vision", filters={"createdAt": {"$gte": "2026-01-04"}})) == 4
    assert len(api.runs(f"{ENTITY}/vision", filters={"tags": {"$in": ["baseline"]}})) == 4
    assert {r.id for r in api.runs(f"{ENTITY}/vision", filters={"display_name": {"$regex": "^trial-[12]$"}})} == {"run00001", "run00002"}


def test_compares_two_runs_configs(api):
    a = api.run(f"{ENTITY}/vision/run00000").config
    b = api.run(f"{ENTITY}/vision/run00001").config
    diff = {k for k in set(a) | set(b) if a.get(k) != b.get(k)}
    assert diff == {"experiment_name", "lr", "batch_size", "model"}


def test_updates_a_finished_runs_summary_set_rename_delete(api):
    run = api.run(f"{ENTITY}/vision/run00005")
    acc = run.summary["acc"]
    run.summary["best_epoch"] = 7
    run.summary["eval"] = {"f1": 0.8, "auc": 0.9}
    run.summary["accuracy"] = acc
    del run.summary["acc"]
    run.summary.update()
    fresh = reread(f"{ENTITY}/vision/run00005")
    assert fresh.summary["best_epoch"] == 7
    assert fresh.summary["eval"]["f1"] == 0.8 and fresh.summary["eval"]["auc"] == 0.9
    assert fresh.summary["accuracy"] == acc
    assert "acc" not in fresh.summary
    assert fresh.summary["loss"] == run.summary["loss"]


def test_updates_a_finished_runs_config(api):
    run = api.run(f"{ENTITY}/vision/run00005")
    run.config["dropout"] = 0.1
    run.config["lr"] = 0.5
    run.update()
    fresh = reread(f"{ENTITY}/vision/run00005")
    assert fresh.config["dropout"] == 0.1
    assert fresh.config["lr"] == 0.5
    assert fresh.config["experiment_name"] == "baz"


def test_uploads_lists_downloads_and_deletes_files(api, tmp_path):
    run = api.run(f"{ENTITY}/vision/run00003")
    for name, data in [("plot-a.png", b"\x89PNG fake a"), ("plot-b.png", b"\x89PNG fake b"), ("notes.txt", b"hello")]:
        (tmp_path / name).write_bytes(data)
        run.upload_file(str(tmp_path / name), root=str(tmp_path))
    names = {f.name for f in reread(f"{ENTITY}/vision/run00003").files()}
    assert {"plot-a.png", "plot-b.png", "notes.txt", "config.yaml", "output.log"} <= names
    out = tmp_path / "dl"
    run.file("notes.txt").download(root=str(out))
    assert (out / "notes.txt").read_bytes() == b"hello"
    for f in run.files():
        if f.name.endswith(".png"):
            f.delete()
    left = {f.name for f in reread(f"{ENTITY}/vision/run00003").files()}
    assert not any(n.endswith(".png") for n in left)
    assert "notes.txt" in left
