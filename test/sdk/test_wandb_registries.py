"""Registries through the real SDK: `api.registries(filter)`, `.collections(filter)`, `.versions(filter)`."""


def test_lists_registries_without_their_prefix(api):
    regs = {r.name: r for r in api.registries()}
    assert sorted(regs) == ["dataset", "model"]
    assert regs["model"].description == "Models ready for evaluation and release."
    assert regs["model"].organization == "mlgate-org"


def test_filters_registries_by_name_regex(api):
    assert [r.name for r in api.registries(filter={"name": {"$regex": "mod"}})] == ["model"]


def test_filters_collections_by_name_regex_with_tags_and_type(api):
    found = list(api.registries().collections(filter={"name": {"$regex": "class"}}))
    assert [c.name for c in found] == ["classifier"]
    c = found[0]
    assert c.type == "model"
    assert c.description == "Image classifier."
    assert list(c.tags) == ["vision"]


def test_filters_versions_with_or_on_tags_and_aliases(api):
    versions = list(api.registries(filter={"name": {"$regex": "model"}}).versions(filter={"$or": [{"tag": "prod"}, {"alias": "staging"}]}))
    by_version = {v.version: v for v in versions}
    assert sorted(by_version) == ["v1", "v2"]
    assert "production" in by_version["v2"].aliases
    assert "staging" in by_version["v1"].aliases
    assert list(by_version["v2"].tags) == ["prod"]
    assert by_version["v2"].metadata["val_acc"] == 0.72
    assert by_version["v1"].collection.name == "classifier"


def test_version_filter_on_metadata(api):
    versions = list(api.registries().versions(filter={"metadata.val_acc": {"$gte": 0.715}}))
    assert [(v.collection.name, v.version) for v in versions] == [("classifier", "v2")]
