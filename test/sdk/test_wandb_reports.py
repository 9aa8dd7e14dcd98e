"""Reports through the real wandb-workspaces (reports v2) and the SDK's `api.reports()`.

Saving, reading back by URL, editing, cloning, drafts, deleting and share links all go through
the server's views (`upsertView`, `view`, `allViews`, `deleteView`, access tokens).
"""
import base64
import os
import re

import pytest
import wandb
import wandb_workspaces.reports.v2 as wr

from conftest import ENTITY

APP = os.environ.get("WANDB_BASE_URL", "").rstrip("/")
# The seeded reports (test/wandb-server/seed-reports.ts).
VISION_ID = "VmlldzoxMDAwMDE="
NOTES_ID = "VmlldzoxMDAwMDI="
# A separate entity, so that the project created here does not change mlgate's project list.
LAB = "mlgate-lab"


def fresh_reports(path, **kw):
    """A new Api: `api.reports()` caches its paginator per path, so a re-read needs a new one."""
    return list(wandb.Api(timeout=60).reports(path, **kw))


def block_types(report):
    return [type(b).__name__ for b in report.blocks]


def full_report(title):
    return wr.Report(
        entity=ENTITY,
        project="vision",
        title=title,
        description="Saved by the SDK suite.",
        blocks=[
            wr.TableOfContents(),
            wr.H1("Overview"),
            wr.H2("Training"),
            wr.MarkdownBlock("Loss **falls**."),
            wr.P("Six trials and one long run."),
            wr.PanelGrid(
                runsets=[wr.Runset(entity=ENTITY, project="vision")],
                panels=[wr.LinePlot(title="Loss", x="_step", y=["loss"], title_x="Step", title_y="Loss value")],
            ),
        ],
    )


def test_lists_a_projects_reports_but_not_its_workspaces(api):
    reports = api.reports(f"{ENTITY}/vision")
    seeded = [r for r in reports if r.id in (VISION_ID, NOTES_ID)]
    # Newest first; the seeded workspace (a "project-view") is not a report.
    assert [r.display_name for r in seeded] == ["Vision findings", "Baseline notes"]
    assert "Main workspace" not in [r.display_name for r in reports]
    vision = seeded[0]
    assert vision.name == "visionreport"
    assert vision.description == "What the first vision trials showed."
    assert vision.user["username"] == ENTITY
    assert vision.created_at == "2026-01-20T10:00:00"
    assert vision.updated_at == "2026-01-21T08:30:00"
    assert vision.url == f"{APP}/{ENTITY}/vision/reports/Vision-findings--VmlldzoxMDAwMDE"
    # The spec is parsed into a dict: the padded blocks and the panel grid's line plot.
    blocks = vision.spec["blocks"]
    assert [b["type"] for b in blocks][1:-1] == ["table-of-contents", "heading", "heading", "markdown-block", "paragraph", "panel-grid"]
    panel = blocks[6]["metadata"]["panelBankSectionConfig"]["panels"][0]
    assert panel["config"]["metrics"] == ["loss"]
    assert blocks[6]["metadata"]["runSets"][0]["project"] == {"name": "vision", "entityName": ENTITY, "id": "1"}


def test_pages_through_reports(api):
    one_by_one = [r.id for r in wandb.Api(timeout=60).reports(f"{ENTITY}/vision", per_page=1)]
    assert one_by_one == [r.id for r in fresh_reports(f"{ENTITY}/vision")]
    assert len(one_by_one) >= 2


def test_filters_reports_by_name(api):
    assert [r.id for r in api.reports(f"{ENTITY}/vision", name="baselinenote")] == [NOTES_ID]
    assert list(api.reports(f"{ENTITY}/vision", name="nosuchreport")) == []


def test_reads_a_seeded_report_from_its_url(api):
    # The public API's URL strips the id's padding; wandb-workspaces restores it.
    url = next(r.url for r in api.reports(f"{ENTITY}/vision") if r.id == VISION_ID)
    report = wr.Report.from_url(url)
    assert report.id == VISION_ID
    assert (report.title, report.description) == ("Vision findings", "What the first vision trials showed.")
    assert (report.entity, report.project) == (ENTITY, "vision")
    assert block_types(report) == ["TableOfContents", "H1", "H2", "MarkdownBlock", "P", "PanelGrid"]
    toc, h1, h2, md, p, grid = report.blocks
    assert (h1.text, h2.text) == ("Findings", "Loss curves")
    assert md.text == "Loss falls **steadily**; see [the runs](#runs)."
    assert p.text == "Every trial converged within 50 steps."
    plot = grid.panels[0]
    assert isinstance(plot, wr.LinePlot)
    # wandb-workspaces reads the stored `_step` / `loss` back as frontend metric names.
    assert (plot.title, plot.x, plot.y) == ("Loss", wr.Metric("Step"), [wr.Metric("loss")])
    assert (plot.title_x, plot.title_y) == ("Step", "Training loss")
    assert [(rs.entity, rs.project) for rs in grid.runsets] == [(ENTITY, "vision")]


def test_saves_a_report_and_reads_it_back(api):
    report = full_report("Saved findings").save()
    assert re.fullmatch(r"View:\d+", base64.b64decode(report.id).decode())
    assert report.url == f"{APP}/{ENTITY}/vision/reports/Saved-findings--{report.id}"

    back = wr.Report.from_url(report.url)
    assert back.id == report.id
    assert (back.title, back.description) == ("Saved findings", "Saved by the SDK suite.")
    assert block_types(back) == ["TableOfContents", "H1", "H2", "MarkdownBlock", "P", "PanelGrid"]
    assert [back.blocks[i].text for i in (1, 2, 3, 4)] == ["Overview", "Training", "Loss **falls**.", "Six trials and one long run."]
    plot = back.blocks[5].panels[0]
    assert (plot.title, plot.x, plot.y) == ("Loss", wr.Metric("Step"), [wr.Metric("loss")])
    assert (plot.title_x, plot.title_y) == ("Step", "Loss value")
    assert back._created_at is not None and back._updated_at is not None

    listed = [r for r in fresh_reports(f"{ENTITY}/vision") if r.id == report.id]
    assert len(listed) == 1
    assert (listed[0].display_name, listed[0].description) == ("Saved findings", "Saved by the SDK suite.")
    assert listed[0].url == f"{APP}/{ENTITY}/vision/reports/Saved-findings--{report.id.rstrip('=')}"
    assert listed[0].user["username"] == ENTITY
    # The server keeps the spec as sent: backend metric names and the run set's internal project id.
    grid = listed[0].spec["blocks"][6]["metadata"]
    assert grid["panelBankSectionConfig"]["panels"][0]["config"] == {
        "chartTitle": "Loss", "xAxis": "_step", "metrics": ["loss"], "xAxisTitle": "Step", "yAxisTitle": "Loss value"
    }
    assert grid["runSets"][0]["project"] == {"name": "vision", "entityName": ENTITY, "id": "1"}


def test_saving_again_updates_the_same_report_and_clone_makes_a_new_one(api):
    report = full_report("Draft title").save()
    before = len(fresh_reports(f"{ENTITY}/vision"))
    report.title = "Final title"
    report.blocks = report.blocks[:2]
    assert report.save().id == report.id
    back = wr.Report.from_url(report.url)
    assert back.title == "Final title"
    assert block_types(back) == ["TableOfContents", "H1"]
    assert len(fresh_reports(f"{ENTITY}/vision")) == before

    # A report loaded by URL saves onto itself too.
    back.description = "Edited after loading."
    back.save()
    assert wr.Report.from_url(report.url).description == "Edited after loading."

    clone_id = report.save(clone=True).id
    assert clone_id != back.id
    titles = {r.id: r.display_name for r in fresh_reports(f"{ENTITY}/vision")}
    assert titles[back.id] == titles[clone_id] == "Final title"
    assert len(titles) == before + 1


def test_a_draft_is_not_listed_but_reads_back(api):
    draft = wr.Report(entity=ENTITY, project="vision", title="Work in progress", blocks=[wr.P("not yet")]).save(draft=True)
    assert draft.id not in [r.id for r in fresh_reports(f"{ENTITY}/vision")]
    assert wr.Report.from_url(draft.url).blocks[0].text == "not yet"


def test_saving_into_a_missing_project_creates_it(api):
    assert "notebook" not in [p.name for p in wandb.Api(timeout=60).projects(LAB)]
    report = wr.Report(entity=LAB, project="notebook", title="Lab notes", blocks=[wr.H1("Day one"), wr.P("Set up.")]).save()
    assert [p.name for p in wandb.Api(timeout=60).projects(LAB)] == ["notebook"]
    assert [r.display_name for r in fresh_reports(f"{LAB}/notebook")] == ["Lab notes"]
    back = wr.Report.from_url(report.url)
    assert (back.entity, back.project, block_types(back)) == (LAB, "notebook", ["H1", "P"])


def test_a_run_set_over_a_missing_project_is_refused(api):
    # The server answers the project lookup with null; wandb-workspaces refuses before saving.
    report = wr.Report(entity=ENTITY, project="vision", title="Broken", blocks=[wr.PanelGrid(runsets=[wr.Runset(entity=ENTITY, project="nosuchproject")])])
    with pytest.raises(ValueError, match="not found"):
        report.save()
    assert "Broken" not in [r.display_name for r in fresh_reports(f"{ENTITY}/vision")]


def test_deletes_a_report(api):
    report = wr.Report(entity=ENTITY, project="vision", title="Short lived", blocks=[wr.P("bye")]).save()
    assert report.id in [r.id for r in fresh_reports(f"{ENTITY}/vision")]
    assert report.delete() is True
    assert report.id not in [r.id for r in fresh_reports(f"{ENTITY}/vision")]
    # The view is gone: `view(id)` is null, which wandb-workspaces cannot load.
    with pytest.raises(Exception):
        wr.Report.from_url(report.url)
    assert report.delete() is False


def test_share_link_is_enabled_reused_and_revoked(api):
    report = wr.Report.from_url(f"{APP}/{ENTITY}/vision/reports/Baseline-notes--VmlldzoxMDAwMDI")
    assert report.get_share_url() is None
    link = report.enable_share_link()
    assert re.fullmatch(rf"{re.escape(report.url)}\?accessToken=[0-9a-f]{{32}}", link)
    assert report.get_share_url() == link
    assert report.enable_share_link() == link
    assert report.disable_share_link() is True
    assert report.get_share_url() is None
    assert report.disable_share_link() is False
