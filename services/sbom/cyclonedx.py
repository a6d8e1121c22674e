"""CycloneDX 1.6 / 1.5 JSON for one conda package file (pure: facts -> JSON text)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from collections.abc import Mapping
from decimal import Decimal
from decimal import InvalidOperation
from functools import lru_cache
from importlib.metadata import version as _dist_version

from cyclonedx.contrib.license.factories import LicenseFactory
from cyclonedx.contrib.vulnerability.cvss import vs_from_cvss_scores
from cyclonedx.model import ExternalReference
from cyclonedx.model import ExternalReferenceType
from cyclonedx.model import HashAlgorithm
from cyclonedx.model import HashType
from cyclonedx.model import Property
from cyclonedx.model import XsUri
from cyclonedx.model.bom import Bom
from cyclonedx.model.bom import BomMetaData
from cyclonedx.model.component import Component
from cyclonedx.model.component import ComponentScope
from cyclonedx.model.component import ComponentType
from cyclonedx.model.contact import OrganizationalEntity
from cyclonedx.model.dependency import Dependency
from cyclonedx.model.impact_analysis import ImpactAnalysisJustification
from cyclonedx.model.impact_analysis import ImpactAnalysisState
from cyclonedx.model.license import DisjunctiveLicense
from cyclonedx.model.license import LicenseAcknowledgement
from cyclonedx.model.license import LicenseExpression
from cyclonedx.model.lifecycle import LifecyclePhase
from cyclonedx.model.lifecycle import PredefinedLifecycle
from cyclonedx.model.vulnerability import BomTarget
from cyclonedx.model.vulnerability import Vulnerability
from cyclonedx.model.vulnerability import VulnerabilityAdvisory
from cyclonedx.model.vulnerability import VulnerabilityAnalysis
from cyclonedx.model.vulnerability import VulnerabilityRating
from cyclonedx.model.vulnerability import VulnerabilityReference
from cyclonedx.model.vulnerability import VulnerabilityScoreSource
from cyclonedx.model.vulnerability import VulnerabilitySeverity
from cyclonedx.model.vulnerability import VulnerabilitySource
from cyclonedx.output.json import JsonV1Dot5
from cyclonedx.output.json import JsonV1Dot6

from common.licenses import LICENSING_LOCK
from common.safe_url import safe_url
from common.timestamps import parse_iso
from services.sbom import contents_cdx
from services.sbom import identity
from services.sbom import json_extras
from services.sbom import minimums_cdx
from services.sbom import resolve
from services.sbom.facts import Facts
from services.sbom.purl import file_purl
from services.sbom.purl import parsed
from services.sbom.vulnerabilities import file_status

VERSIONS = {"1.6": JsonV1Dot6, "1.5": JsonV1Dot5}

# The channel's CVE status -> CycloneDX analysis.state (the raw status is kept as a property).
CVE_STATES = {
    "reported": ImpactAnalysisState.IN_TRIAGE,
    "active": ImpactAnalysisState.EXPLOITABLE,
    "mitigated": ImpactAnalysisState.RESOLVED,
    "cleared": ImpactAnalysisState.NOT_AFFECTED,
    "disputed": ImpactAnalysisState.IN_TRIAGE,
}
CVE_DETAILS = {
    "cleared": "cleared by the channel's CVE curation: analyzed and found not to apply",
    "mitigated": "mitigated in this build by the channel's CVE curation",
    "disputed": "the CVE is disputed",
    "reported": "reported, not yet reviewed by the channel's CVE curation",
}
_LICENSES = LicenseFactory()
LIBRARY_VERSION = _dist_version("cyclonedx-python-lib")


@lru_cache(maxsize=4096)
def _license(spdx: str | None, text: str | None):
    """An SPDX id or expression when the license normalizes, else the published name."""
    with LICENSING_LOCK:  # the factory parses with license-expression (see common.licenses)
        return _make_license(spdx, text)


def _make_license(spdx: str | None, text: str | None):
    if spdx and "LicenseRef-" in spdx:  # the factory would make it a name; it is an expression
        return LicenseExpression(spdx, acknowledgement=LicenseAcknowledgement.DECLARED)
    if spdx:
        return _LICENSES.make_from_string(
            spdx, license_acknowledgement=LicenseAcknowledgement.DECLARED
        )
    if text and text.strip():
        return DisjunctiveLicense(
            name=text.strip(), acknowledgement=LicenseAcknowledgement.DECLARED
        )
    return None


def _hashes(file: Mapping) -> list[HashType]:
    hashes = [HashType(alg=HashAlgorithm.SHA_256, content=file["sha256"])]
    if file.get("md5"):
        hashes.append(HashType(alg=HashAlgorithm.MD5, content=file["md5"]))
    return hashes


def _properties(pairs: Iterable[tuple[str, object]]) -> list[Property]:
    return [Property(name=n, value=str(v)) for n, v in pairs if v is not None and v != ""]


def _file_properties(file: Mapping, channel: str, full: bool) -> list[tuple[str, object]]:
    """The conda facts, named as conda-sboms names them (`conda:package:*`).

    Dependencies (`full` false) get only what their purl does not already say, which keeps
    large BOMs small and fast to write.
    """
    pairs: list[tuple[str, object]] = [
        ("conda:package:filename", file["filename"]),
        ("conda:package:size", file.get("size")),
    ]
    if full:
        pairs += [
            ("conda:package:build", file["build"]),
            ("conda:package:build-number", file.get("build_number")),
            ("conda:package:subdir", file["subdir"]),
            ("conda:package:channel", channel),
            ("conda:package:noarch", file.get("noarch")),
            ("conda:package:timestamp", file.get("uploaded_at")),
        ]
        pairs.extend(("conda:package:constrains", spec) for spec in file.get("constrains") or ())
    return pairs


def _file_component(
    file: Mapping, facts: Facts, supplier: OrganizationalEntity, full: bool = True, **extra
) -> Component:
    purl = file_purl(file, facts.channel, facts.subchannel)
    license_ = _license(file.get("license_spdx"), file.get("license"))
    references = []
    if file.get("download_url"):
        references.append(
            ExternalReference(
                type=ExternalReferenceType.DISTRIBUTION, url=XsUri(file["download_url"])
            )
        )
    return Component(
        type=ComponentType.LIBRARY,
        name=file["name"],
        version=file["version"],
        bom_ref=purl,
        purl=parsed(purl),
        supplier=supplier,
        hashes=_hashes(file) if file.get("sha256") else [],
        licenses=[license_] if license_ is not None else [],
        external_references=references + extra.pop("references", []),
        properties=_properties(
            _file_properties(file, identity.channel_label(facts), full)
            + extra.pop("properties", [])
        ),
        **extra,
    )


def _package_references(package: Mapping) -> list[ExternalReference]:
    kinds = (
        ("home", ExternalReferenceType.WEBSITE),
        ("dev_url", ExternalReferenceType.VCS),
        ("doc_url", ExternalReferenceType.DOCUMENTATION),
    )
    return [
        ExternalReference(type=kind, url=XsUri(url))
        for key, kind in kinds
        if (url := safe_url(package.get(key)))  # http(s) only: never javascript: or data:
    ]


def _dependency_component(
    node: resolve.Node, facts: Facts, supplier: OrganizationalEntity
) -> Component:
    specs = [("conda:dependency:match-spec", spec) for spec in node.specs]
    if node.file is not None:
        return _file_component(
            node.file,
            facts,
            supplier,
            full=False,
            scope=ComponentScope.REQUIRED,
            properties=[*specs, ("conda:dependency:resolved", "true")],
        )
    constraint = resolve.spec_constraint(node.specs[0])
    return Component(
        type=ComponentType.LIBRARY,
        name=node.name,
        bom_ref=node.key,
        scope=ComponentScope.REQUIRED,
        description=f"declared dependency {node.specs[0]!r}, not resolved: "
        + resolve.REASONS[node.reason],
        properties=_properties(
            [
                *specs,
                ("conda:dependency:constraint", constraint),
                ("conda:dependency:resolved", "false"),
                ("conda:dependency:unresolved-reason", node.reason),
            ]
        ),
    )


def _score(value: object) -> Decimal | None:
    try:
        return Decimal(str(value)) if value is not None else None
    except InvalidOperation:
        return None


def _severity(cve: Mapping, score: Decimal | None) -> VulnerabilitySeverity:
    raw = str(cve.get("severity") or "").lower()
    try:
        return VulnerabilitySeverity(raw)
    except ValueError:
        return (
            vs_from_cvss_scores(float(score))
            if score is not None
            else (VulnerabilitySeverity.UNKNOWN)
        )


# OpenVEX justifications (a channel's curation) -> CycloneDX analysis justifications
VEX_JUSTIFICATIONS = {
    "component_not_present": ImpactAnalysisJustification.CODE_NOT_PRESENT,
    "vulnerable_code_not_present": ImpactAnalysisJustification.CODE_NOT_PRESENT,
    "vulnerable_code_not_in_execute_path": ImpactAnalysisJustification.CODE_NOT_REACHABLE,
    "vulnerable_code_cannot_be_controlled_by_adversary": (
        ImpactAnalysisJustification.PROTECTED_BY_MITIGATING_CONTROL
    ),
    "inline_mitigations_already_exist": (
        ImpactAnalysisJustification.PROTECTED_BY_MITIGATING_CONTROL
    ),
}
_SOURCE_NAMES = {
    "NVD": "NVD",
    "CVE": "CVE",
    "GHSA": "GitHub",
    "PYSEC": "PyPA",
    "RSEC": "RConsortium",
}


def _uri(url: object) -> XsUri | None:
    return XsUri(url) if isinstance(url, str) and url.startswith(("http://", "https://")) else None


_METHODS = {
    "2.0": VulnerabilityScoreSource.CVSS_V2,
    "3.0": VulnerabilityScoreSource.CVSS_V3,
    "3.1": VulnerabilityScoreSource.CVSS_V3_1,
    "4.0": VulnerabilityScoreSource.CVSS_V4,
}


def _rating(entry: Mapping, fallback: Mapping, version: str | None = None) -> VulnerabilityRating:
    score = _score(entry.get("score"))
    vector = entry.get("vector") or None
    name = str(entry.get("source") or "")
    method = _METHODS.get(version or "") or (
        VulnerabilityScoreSource.get_from_vector(vector) if vector else None
    )
    rating = VulnerabilityRating(
        source=VulnerabilitySource(name=name) if name else None,
        score=score,
        severity=_severity(entry if entry.get("severity") else fallback, score),
        method=method,
    )
    if vector:
        rating.vector = vector  # set after construction so the CVSS: prefix is kept
    return rating


def _ratings(cve: Mapping) -> list[VulnerabilityRating]:
    """One rating per CVSS version (v4, v3.x, v2) the CVE has, else its single score."""
    scores = cve.get("scores")
    if isinstance(scores, Mapping) and scores:
        return [_rating(e, cve, version) for version, e in sorted(scores.items(), reverse=True)]
    if cve.get("score") is None and not cve.get("vector"):
        return []
    return [_rating({"score": cve.get("score"), "vector": cve.get("vector")}, cve)]


def _vulnerability(cve: Mapping, root_ref: str, file: Mapping | None = None) -> Vulnerability:
    cve_id = str(cve["id"])
    entry = file_status(cve, file or {})
    status = str(entry.get("status") or "").lower()
    state = CVE_STATES.get(status, ImpactAnalysisState.IN_TRIAGE)
    sources = [s for s in cve.get("sources") or () if isinstance(s, Mapping)]
    main = sources[0] if sources else {}
    url = (
        cve.get("url")
        or main.get("url")
        or (f"https://nvd.nist.gov/vuln/detail/{cve_id}" if cve_id.startswith("CVE-") else None)
    )
    source_name = _SOURCE_NAMES.get(str(main.get("kind")), main.get("name")) or (
        "NVD" if cve_id.startswith("CVE-") else None
    )
    source = VulnerabilitySource(name=source_name, url=_uri(url))
    references = [
        VulnerabilityReference(
            id=str(other["id"]),
            source=VulnerabilitySource(
                name=_SOURCE_NAMES.get(str(other.get("kind")), other.get("name")),
                url=_uri(other.get("url")),
            ),
        )
        for other in sources[1:]
        if other.get("id") and other.get("id") != cve_id
    ]
    advisories = [
        VulnerabilityAdvisory(url=uri)
        for ref in cve.get("references") or ()
        if isinstance(ref, Mapping) and (uri := _uri(ref.get("url"))) is not None
    ]
    curated = parse_iso(entry.get("curated_at"))
    detail = entry.get("detail") or CVE_DETAILS.get(status)
    return Vulnerability(
        bom_ref=f"vulnerability:{cve_id}",
        id=cve_id,
        source=source,
        references=references,
        description=cve.get("summary") or None,
        detail=cve.get("description") if cve.get("description") != cve.get("summary") else None,
        ratings=_ratings(cve),
        advisories=advisories,
        published=parse_iso(cve.get("published_at")),
        updated=parse_iso(cve.get("modified_at")),
        analysis=VulnerabilityAnalysis(
            state=state,
            justification=VEX_JUSTIFICATIONS.get(str(entry.get("justification"))),
            detail=detail,
            last_updated=curated,
        ),
        affects=[BomTarget(ref=root_ref)],
        properties=_properties(
            [
                ("conda:cve:status", entry.get("status")),
                ("conda:cve:curated-at", entry.get("curated_at")),
                ("conda:cve:aliases", ", ".join(cve.get("aliases") or ()) or None),
            ]
        ),
    )


def _vulns_properties(facts: Facts) -> list[tuple[str, object]]:
    """The vulnerability database an SBOM's `vulnerabilities` come from, and the coverage."""
    database = facts.vulns_database or {}
    covered = facts.cve_covered
    return [
        ("conda:vulns:database-version", database.get("version")),
        ("conda:vulns:database-built", database.get("built_at")),
        ("conda:vulns:unavailable", database.get("error")),
        ("conda:vulns:covered", None if covered is None else str(covered).lower()),
    ]


def build_bom(facts: Facts, spec_version: str = "1.6", graph: resolve.Graph | None = None) -> Bom:
    """The CycloneDX model of the file: root, dependencies, graph, vulnerabilities."""
    file = facts.file
    supplier = OrganizationalEntity(name=identity.supplier_name(facts))
    timestamp, time_source = identity.document_time(facts)
    deep = contents_cdx.root_parts(facts)
    root = _file_component(
        file,
        facts,
        supplier,
        description=facts.package.get("summary") or None,
        references=_package_references(facts.package) + deep.pop("references"),
        properties=deep.pop("properties"),
        **deep,
    )
    missing = minimums_cdx.add_to_root(root, facts)
    root.properties.update(_properties(missing))
    manufacturer, author = minimums_cdx.creator(facts)
    graph = graph or facts.graph()
    resolved = sum(1 for n in graph.nodes.values() if n.resolved)
    tool = Component(
        type=ComponentType.APPLICATION, name=identity.TOOL_NAME, version=identity.TOOL_VERSION
    )
    metadata = BomMetaData(
        timestamp=timestamp,
        component=root,
        supplier=supplier,
        manufacturer=manufacturer,
        authors=[author],  # the SBOM's creator (SBOM_CREATOR_NAME / _CONTACT)
        lifecycles=[PredefinedLifecycle(LifecyclePhase.POST_BUILD)],
        properties=_properties(
            [
                ("conda:sbom:timestamp-source", time_source),
                ("conda:sbom:dependencies-resolved", resolved),
                ("conda:sbom:dependencies-unresolved", len(graph.nodes) - resolved),
                *_vulns_properties(facts),
            ]
        ),
    )
    library = Component(
        type=ComponentType.LIBRARY, name="cyclonedx-python-lib", version=LIBRARY_VERSION
    )
    metadata.tools.components.update([tool, library])
    bom = Bom(
        serial_number=identity.serial_uuid(file["sha256"], f"cyclonedx-{spec_version}"),
        version=1,
        metadata=metadata,
    )
    components = {
        key: _dependency_component(node, facts, supplier) for key, node in graph.nodes.items()
    }
    bom.components.update(components.values())
    # only what was looked at: an empty dependsOn would claim "no dependencies"
    bom.dependencies.update(
        Dependency(
            ref=(root if key == resolve.ROOT else components[key]).bom_ref,
            dependencies=[Dependency(ref=components[k].bom_ref) for k in graph.edges[key]],
        )
        for key in graph.expanded
    )
    root_ref = root.bom_ref.value or ""
    bom.vulnerabilities.update(_vulnerability(cve, root_ref, file) for cve in facts.cves)
    return bom


def _ref(node: resolve.Node, facts: Facts) -> str:
    """A dependency's bom-ref: its file's purl, or its key when unresolved."""
    if node.file is None:
        return node.key
    return file_purl(node.file, facts.channel, facts.subchannel)


def compositions(facts: Facts, graph: resolve.Graph) -> list[dict]:
    """Which dependency lists are complete (the ones looked at) and which are unknown.

    The library writes an empty `dependsOn` for every component, which alone would claim "no
    dependencies"; compositions say which lists mean it. The library has no model for
    compositions, so they are added to its JSON.
    """
    root = file_purl(facts.file, facts.channel, facts.subchannel)
    looked_at = {_ref(graph.nodes[k], facts) for k in graph.expanded if k != resolve.ROOT}
    unknown = {_ref(node, facts) for node in graph.nodes.values()} - looked_at
    found = [{"aggregate": "complete", "dependencies": [root, *sorted(looked_at)]}]
    if unknown:
        found.append({"aggregate": "unknown", "dependencies": sorted(unknown)})
    return found


def render_cyclonedx(facts: Facts, spec_version: str = "1.6") -> str:
    """The CycloneDX JSON document (1.6 or 1.5) for the file, byte-identical for equal facts."""
    graph = facts.graph()
    bom = build_bom(facts, spec_version, graph)
    document = json.loads(VERSIONS[spec_version](bom).output_as_string())
    json_extras.extend(
        document,
        compositions=compositions(facts, graph),
        formulation=json_extras.formulation(facts),
    )
    return json.dumps(document, indent=2, ensure_ascii=False)
