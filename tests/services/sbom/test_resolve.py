"""Dependency resolution on the real test-recipes and main channels."""

import pytest

from services.sbom import resolve
from tests.services.sbom.realdata import file_entry
from tests.services.sbom.realdata import files_by_name
from tests.services.sbom.realdata import find
from tests.services.sbom.realdata import records


def _graph(channel: str, subdir: str, filename: str, depth: int | None = None) -> resolve.Graph:
    root = file_entry(find(channel, subdir, filename))
    return resolve.resolve_graph(root, files_by_name(channel), subdir, max_depth=depth)


def _resolved(graph: resolve.Graph) -> dict[str, str | None]:
    return {n.name: (n.file["filename"] if n.file else None) for n in graph.nodes.values()}


def test_chain_another_dependent_dependent_dependency():
    graph = _graph("test-recipes", "noarch", "another_dependent-1.0-0.conda")
    assert _resolved(graph) == {
        "dependent": "dependent-2.0-0.conda",  # unconstrained: the highest version
        "dependency": "dependency-2.0-0.conda",  # dependent 2.0 wants >=2.0,<3.0a0
    }
    dependent = "noarch/dependent-2.0-0.conda"
    assert graph.edges[resolve.ROOT] == [dependent]
    assert graph.edges[dependent] == ["noarch/dependency-2.0-0.conda"]
    assert graph.edges["noarch/dependency-2.0-0.conda"] == []
    assert graph.expanded == [resolve.ROOT, dependent, "noarch/dependency-2.0-0.conda"]


def test_constraint_picks_the_lower_version():
    graph = _graph("test-recipes", "noarch", "dependent-1.0-0.conda")
    assert _resolved(graph) == {"dependency": "dependency-1.0-0.conda"}
    assert graph.nodes["noarch/dependency-1.0-0.conda"].specs == ["dependency >=1.0,<2.0a0"]


def test_depth_one_stops_at_the_files_own_dependencies():
    graph = _graph("test-recipes", "noarch", "another_dependent-2.0-0.conda", depth=1)
    assert _resolved(graph) == {"dependent": "dependent-2.0-0.conda"}
    assert graph.edges["noarch/dependent-2.0-0.conda"] == []
    assert graph.expanded == [resolve.ROOT]


def test_wildcard_versions_and_builds():
    assert _resolved(_graph("test-recipes", "noarch", "buildstring-1.0-versioned_1.conda")) == {
        "versioned": "versioned-1.0-0.conda"
    }
    assert _resolved(_graph("test-recipes", "noarch", "buildstring-1.0-versioned_2.conda")) == {
        "versioned": "versioned-2.0-0.conda"
    }
    assert _resolved(_graph("test-recipes", "noarch", "pip-99.99.99-py399_0.conda")) == {
        "python": "python-3.99.99-0.conda"
    }


def test_unsatisfiable_spec_is_unresolved_with_its_reason():
    graph = _graph("test-recipes", "noarch", "unsatisfiable-1.0-0.conda")
    (node,) = graph.nodes.values()
    assert node.file is None and node.reason == resolve.NO_MATCH
    assert node.specs == ["versioned <1.0"] and node.key == "unresolved:versioned <1.0"


def test_platform_file_resolves_in_its_own_subdir():
    graph = _graph("main", "linux-64", "zlib-1.2.11-h7b6447c_3.conda")
    assert _resolved(graph) == {"libgcc-ng": "libgcc-ng-8.2.0-hdf63c60_1.tar.bz2"}
    # osx-64 has no libgcc-ng: the name is in the channel, but not for that subdir
    graph = _graph("main", "osx-64", "zlib-1.2.11-h1de35cc_3.conda")
    assert list(graph.nodes.values()) == []


def test_names_missing_from_candidates_are_reported_and_none_means_not_in_channel():
    root = file_entry(find("test-recipes", "noarch", "another_dependent-1.0-0.conda"))
    graph = resolve.resolve_graph(root, {}, "noarch")
    assert graph.missing == {"dependent"}
    graph = resolve.resolve_graph(root, {"dependent": None}, "noarch")
    assert graph.missing == set()
    assert next(iter(graph.nodes.values())).reason == resolve.NOT_IN_CHANNEL


def test_best_match_orders_by_version_then_build_number():
    files = [
        {
            "filename": f"x-{v}-{b}.conda",
            "name": "x",
            "version": v,
            "build": f"h_{b}",
            "build_number": b,
            "subdir": s,
        }
        for v, b, s in [
            ("1.10", 0, "linux-64"),
            ("1.9", 5, "linux-64"),
            ("1.10", 2, "noarch"),
            ("2.0", 9, "osx-64"),
        ]
    ]
    assert resolve.best_match("x", files, "linux-64")["filename"] == "x-1.10-2.conda"
    assert resolve.best_match("x <1.10", files, "linux-64")["filename"] == "x-1.9-5.conda"
    assert resolve.best_match("x >=3", files, "linux-64") is None
    assert resolve.best_match("x", files, "noarch")["filename"] == "x-1.10-2.conda"


def test_graph_limit_marks_the_rest_unresolved():
    root = file_entry(find("test-recipes", "noarch", "another_dependent-1.0-0.conda"))
    graph = resolve.resolve_graph(root, files_by_name("test-recipes"), "noarch", max_nodes=1)
    assert [n.reason for n in graph.nodes.values()] == [resolve.RESOLVED, resolve.TOO_MANY]


def test_spec_helpers():
    assert resolve.spec_name("libgcc-ng >=7.3.0") == "libgcc-ng"
    assert resolve.spec_constraint("libgcc-ng >=7.3.0") == ">=7.3.0"
    assert resolve.spec_constraint("python") is None
    assert resolve.parse_spec("x >=>=1") is None
    assert resolve.spec_name("x >=>=1") == "x"


def test_invalid_specs_and_virtual_packages_are_unresolved_without_a_lookup():
    root = {"filename": "a-1-0.conda", "depends": ["x >=>=1", "__glibc >=2.17"]}
    graph = resolve.resolve_graph(root, {}, "linux-64")
    assert [n.reason for n in graph.nodes.values()] == [resolve.INVALID_SPEC, resolve.VIRTUAL]
    assert graph.missing == set()


def _gathered(by_name: dict, root: dict, subdir: str, depth: int | None):
    """Candidates looked up the way the service gathers them, and the final graph."""
    candidates: dict = {}
    while True:
        graph = resolve.resolve_graph(root, candidates, subdir, max_depth=depth)
        if not graph.missing:
            return candidates, graph
        candidates.update({name: by_name.get(name) for name in graph.missing})


@pytest.mark.parametrize("channel", ["main", "test-recipes", "private"])
def test_pruned_candidates_resolve_to_the_same_graph(channel):
    by_name = files_by_name(channel)
    for record in records(channel)[:300]:
        root = file_entry(record)
        for depth in (1, None):
            candidates, graph = _gathered(by_name, root, record.subdir, depth)
            pruned = resolve.prune(candidates, graph)
            again = resolve.resolve_graph(root, pruned, record.subdir, max_depth=depth)
            assert again == graph, record.filename
            assert sum(len(f or []) for f in pruned.values()) <= len(graph.nodes)
