"""Sweeps through the real wandb SDK: the sweep, its runs, and the best run by its metric."""
from conftest import ENTITY


def test_gets_a_sweep_with_its_config_and_runs(api):
    sweep = api.sweep(f"{ENTITY}/vision/swp7a1b2")
    assert sweep.id == "swp7a1b2"
    assert sweep.name == "lr search"
    assert sweep.state == "FINISHED"
    assert sweep.config["method"] == "bayes"
    assert sweep.config["metric"] == {"name": "val_acc", "goal": "maximize"}
    assert sweep.config["parameters"]["batch_size"] == {"values": [32, 64]}
    assert sweep.expected_run_count == 3
    assert sweep.best_loss == 0.72
    assert sorted(r.id for r in sweep.runs) == ["run00000", "run00001", "run00002"]


def test_best_run_follows_the_metric_goal(api):
    assert api.sweep(f"{ENTITY}/vision/swp7a1b2").best_run().id == "run00002"
    # An explicit order overrides the metric's goal.
    assert api.sweep(f"{ENTITY}/vision/swp7a1b2").best_run(order="+summary_metrics.val_acc").id == "run00000"


def test_a_sweep_without_runs_has_no_best_run(api):
    sweep = api.sweep(f"{ENTITY}/vision/swpempty")
    assert sweep.name == "swpempty"
    assert len(sweep.runs) == 0
    assert sweep.best_run() is None


def test_lists_a_projects_sweeps(api):
    sweeps = api.project("vision", entity=ENTITY).sweeps()
    assert sorted(s.id for s in sweeps) == ["swp7a1b2", "swpempty"]


def test_missing_sweep_is_an_error(api):
    import pytest

    with pytest.raises(Exception, match="Could not find sweep"):
        api.sweep(f"{ENTITY}/vision/nosuchsw")
