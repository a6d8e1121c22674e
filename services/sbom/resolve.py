"""Pure dependency resolution: each match spec to the package file it would install.

"Would install" is the best single match, not a solver's answer: among the channel's files for
the same subdir (or noarch) that satisfy the match spec, the highest version, then the highest
build number (then the file name, for a stable order). Resolved files can be expanded in turn
(`max_depth`), so the graph can cover the transitive dependencies the channel has.
"""

from __future__ import annotations

from collections.abc import Mapping
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field

from rattler import MatchSpec

from common.specs import candidate_subdirs
from common.specs import matches
from common.specs import parse_spec
from common.specs import preference
from common.specs import spec_name

__all__ = ["candidate_subdirs", "parse_spec", "spec_name"]  # re-exported for the SBOM modules

ROOT = "root"
MAX_NODES = 400

RESOLVED = "resolved"
NOT_IN_CHANNEL = "not-in-channel"
NO_MATCH = "no-matching-file"
INVALID_SPEC = "invalid-match-spec"
NOT_FETCHED = "not-fetched"
TOO_MANY = "graph-limit-reached"
VIRTUAL = "virtual-package"

REASONS = {
    RESOLVED: "resolved to a file of this channel",
    NOT_IN_CHANNEL: "the channel has no package of this name",
    NO_MATCH: "no file of this channel matches the spec for this subdir",
    INVALID_SPEC: "the match spec cannot be parsed",
    NOT_FETCHED: "the candidates were not looked up",
    TOO_MANY: f"the graph reached its limit of {MAX_NODES} packages",
    VIRTUAL: "a virtual package (`__glibc`, `__cuda`, ...) that the installing system provides",
}


@dataclass
class Node:
    """One dependency in the graph: a resolved file, or a spec that could not be resolved."""

    key: str
    name: str
    specs: list[str]
    file: Mapping | None = None
    reason: str = RESOLVED

    @property
    def resolved(self) -> bool:
        """Whether the node is a concrete package file."""
        return self.file is not None


@dataclass
class Graph:
    """The dependency graph from the root file: nodes in discovery order, edges by key."""

    nodes: dict[str, Node] = field(default_factory=dict)
    edges: dict[str, list[str]] = field(default_factory=dict)
    missing: set[str] = field(default_factory=set)  # names whose candidates are unknown
    expanded: list[str] = field(default_factory=list)  # keys whose own dependencies are listed


def spec_constraint(spec: str) -> str | None:
    """What the spec says beyond the name (`>=7.3.0`), or None for any version."""
    parts = spec.strip().split(None, 1)
    return parts[1].strip() if len(parts) == 2 else None


def _matches(spec: MatchSpec, file: Mapping) -> bool:
    return matches(
        spec,
        file["name"],
        file["version"],
        file["build"],
        file.get("build_number") or 0,
        file["subdir"],
    )


def best_match(spec: str, files: Sequence[Mapping], subdir: str) -> Mapping | None:
    """The file `spec` would install for `subdir`: highest version, then build number."""
    parsed = parse_spec(spec)
    if parsed is None:
        return None
    allowed = candidate_subdirs(subdir)
    matching = [f for f in files if f["subdir"] in allowed and _matches(parsed, f)]
    if not matching:
        return None
    return max(
        matching, key=lambda f: preference(f["version"], f.get("build_number"), f["filename"])
    )


def _resolve_one(spec: str, candidates: Mapping[str, Sequence[Mapping] | None], subdir: str):
    """(key, name, file or None, reason) for one spec."""
    name = spec_name(spec)
    if parse_spec(spec) is None:
        return f"unresolved:{spec}", name, None, INVALID_SPEC
    if name.startswith("__"):
        return f"unresolved:{spec}", name, None, VIRTUAL
    if name not in candidates:
        return f"unresolved:{spec}", name, None, NOT_FETCHED
    files = candidates[name]
    if files is None:
        return f"unresolved:{spec}", name, None, NOT_IN_CHANNEL
    found = best_match(spec, files, subdir)
    if found is None:
        return f"unresolved:{spec}", name, None, NO_MATCH
    return f"{found['subdir']}/{found['filename']}", name, found, RESOLVED


def resolve_graph(
    root: Mapping,
    candidates: Mapping[str, Sequence[Mapping] | None],
    subdir: str,
    max_depth: int | None = None,
    max_nodes: int = MAX_NODES,
) -> Graph:
    """Resolve `root`'s dependencies, and theirs, against `candidates` (name -> files).

    A name missing from `candidates` is reported in `Graph.missing` (look it up and call
    again); a name mapped to None is not in the channel. `max_depth` 1 resolves only the
    root's own dependencies; None follows them all.
    """
    graph = Graph()
    graph.edges[ROOT] = []
    queue: list[tuple[str, Mapping, int]] = [(ROOT, root, 0)]
    while queue:
        parent, file, depth = queue.pop(0)
        if max_depth is not None and depth >= max_depth:
            continue
        graph.expanded.append(parent)
        for spec in file.get("depends") or ():
            key, name, found, reason = _resolve_one(spec, candidates, subdir)
            if reason == NOT_FETCHED:
                graph.missing.add(name)
            node = graph.nodes.get(key)
            if node is None and len(graph.nodes) >= max_nodes:
                key, found, reason = f"unresolved:{spec}", None, TOO_MANY
                node = graph.nodes.get(key)
            if node is None:
                node = graph.nodes[key] = Node(key, name, [spec], found, reason)
                graph.edges[key] = []
                if found is not None:
                    queue.append((key, found, depth + 1))
            elif spec not in node.specs:
                node.specs.append(spec)
            if key not in graph.edges[parent] and key != parent:
                graph.edges[parent].append(key)
    return graph


def prune(candidates: Mapping[str, Sequence[Mapping] | None], graph: Graph) -> dict:
    """Only the candidate files `graph` chose: resolving again against them gives the same graph.

    A name keeps None (not in the channel) or gets an empty list (nothing matched), so the
    reasons stay the same too. Facts stay small, and so does the cost of hashing them.
    """
    chosen: dict[str, list] = {}
    for node in graph.nodes.values():
        if node.file is not None and node.file not in chosen.setdefault(node.name, []):
            chosen[node.name].append(node.file)
    return {
        name: None
        if files is None
        else sorted(chosen.get(name, []), key=lambda f: (f["subdir"], f["filename"]))
        for name, files in candidates.items()
    }
