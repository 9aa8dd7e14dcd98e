"""Linking logged artifacts into a registry and changing a registry version's aliases, with the real SDK:
`Artifact.link(target, aliases)` (LinkArtifact) and `Artifact.save()` of a linked version (AddAliases,
DeleteAliases, UpdateArtifact). Every read-back goes through a new `wandb.Api`, so nothing comes from
the SDK's own artifact cache.

The collection `resnet-links` is this file's own: the registry suite's filters never select it.
"""
import pytest
import wandb
from wandb.errors import CommError

TARGET = "wandb-registry-model/resnet-links"


def fresh():
    return wandb.Api(timeout=60)


def versions_of(collection):
    found = fresh().registries(filter={"name": "model"}).collections(filter={"name": collection}).versions()
    return {v.version: sorted(v.aliases) for v in found}


def test_reads_a_logged_artifact_version_by_path_and_alias(api):
    art = api.artifact("mlgate/vision/resnet:v1")
    assert (art.version, art.type, art.metadata, art.aliases) == ("v1", "model", {"depth": 34}, ["best"])
    assert fresh().artifact("mlgate/vision/resnet:latest").version == "v2"
    assert fresh().artifact("mlgate/vision/resnet:best").id == art.id


def test_links_an_artifact_into_a_new_collection_with_latest_and_its_aliases():
    linked = fresh().artifact("mlgate/vision/resnet:v1").link(TARGET, aliases=["review"])
    assert (linked.version, sorted(linked.aliases), linked.collection.name) == ("v0", ["latest", "review"], "resnet-links")
    assert versions_of("resnet-links") == {"v0": ["latest", "review"]}


def test_linking_the_same_artifact_again_keeps_its_version_and_adds_the_aliases():
    linked = fresh().artifact("mlgate/vision/resnet:v1").link(TARGET, aliases=["eu"])
    assert linked.version == "v0"
    assert versions_of("resnet-links") == {"v0": ["eu", "latest", "review"]}


def test_a_newer_link_takes_latest_and_an_alias_moves_to_it():
    linked = fresh().artifact("mlgate/vision/resnet:v2").link(TARGET, aliases=["review"])
    assert linked.version == "v1"
    assert versions_of("resnet-links") == {"v0": ["eu"], "v1": ["latest", "review"]}


def test_changes_a_registry_versions_aliases_with_save():
    v = fresh().artifact(f"{TARGET}:v0")
    assert sorted(v.aliases) == ["eu"]
    v.aliases.append("prod")
    v.aliases.remove("eu")
    v.save()
    again = fresh().artifact(f"{TARGET}:prod")
    assert (again.version, sorted(again.aliases)) == ("v0", ["prod"])
    # The alias belongs to the collection only: the source version keeps its own.
    assert fresh().artifact("mlgate/vision/resnet:v1").aliases == ["best"]


def test_linking_into_a_registry_that_does_not_exist_fails():
    with pytest.raises(CommError, match="not found"):
        fresh().artifact("mlgate/vision/resnet:v0").link("wandb-registry-nope/resnet-links")
    assert "nope" not in [r.name for r in fresh().registries()]
