"""SPDX 2.3 JSON for one conda package file (pure: facts -> JSON text)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import lru_cache

from license_expression import LicenseExpression
from license_expression import get_spdx_licensing
from spdx_tools.spdx.jsonschema.document_converter import DocumentConverter
from spdx_tools.spdx.model import Actor
from spdx_tools.spdx.model import ActorType
from spdx_tools.spdx.model import Checksum
from spdx_tools.spdx.model import ChecksumAlgorithm
from spdx_tools.spdx.model import CreationInfo
from spdx_tools.spdx.model import Document
from spdx_tools.spdx.model import ExternalPackageRef
from spdx_tools.spdx.model import ExternalPackageRefCategory
from spdx_tools.spdx.model import ExtractedLicensingInfo
from spdx_tools.spdx.model import Package
from spdx_tools.spdx.model import PackagePurpose
from spdx_tools.spdx.model import Relationship
from spdx_tools.spdx.model import RelationshipType
from spdx_tools.spdx.model import SpdxNoAssertion

from common.licenses import LICENSING_LOCK
from common.safe_url import safe_url
from common.timestamps import parse_iso
from services.sbom import contents_spdx
from services.sbom import identity
from services.sbom import minimums
from services.sbom import resolve
from services.sbom.facts import Facts
from services.sbom.purl import file_purl
from services.sbom.vulnerabilities import file_status
from vulns.identities import cpe_names

_LICENSING = get_spdx_licensing()
_CONVERTER = DocumentConverter()
UNKNOWN_SUPPLIER = "unknown"


@lru_cache(maxsize=4096)
def _expression(spdx: str) -> LicenseExpression:
    with LICENSING_LOCK:  # see common.licenses: not thread-safe on first use
        return _LICENSING.parse(spdx)


def _license_refs(spdx: str | None) -> list[str]:
    if not spdx:
        return []
    return sorted(
        {
            word
            for word in spdx.replace("(", " ").replace(")", " ").split()
            if word.startswith("LicenseRef-")
        }
    )


def _checksums(file: Mapping) -> list[Checksum]:
    sums = [Checksum(ChecksumAlgorithm.SHA256, file["sha256"])] if file.get("sha256") else []
    if file.get("md5"):
        sums.append(Checksum(ChecksumAlgorithm.MD5, file["md5"]))
    return sums


def _file_package(spdx_id: str, file: Mapping, facts: Facts, supplier: Actor, **extra) -> Package:
    spdx = file.get("license_spdx")
    comment = None
    if file.get("license") and not spdx:
        comment = f"published license {file['license']!r} is not an SPDX expression"
    purl = file_purl(file, facts.channel, facts.subchannel)
    references = [ExternalPackageRef(ExternalPackageRefCategory.PACKAGE_MANAGER, "purl", purl)]
    return Package(
        spdx_id=spdx_id,
        name=file["name"],
        download_location=file.get("download_url") or SpdxNoAssertion(),
        version=file["version"],
        file_name=file["filename"],
        supplier=supplier,
        files_analyzed=False,
        checksums=_checksums(file),
        license_concluded=SpdxNoAssertion(),
        license_declared=_expression(spdx) if spdx else SpdxNoAssertion(),
        license_comment=comment,
        copyright_text=SpdxNoAssertion(),
        external_references=references + extra.pop("references", []),
        primary_package_purpose=PackagePurpose.LIBRARY,
        built_date=parse_iso(file.get("uploaded_at")),
        **extra,
    )


def _add_minimums(root: Package, facts: Facts) -> None:
    """The root's concluded license, copyright text and SHA-512 (services/sbom/minimums.py)."""
    concluded = minimums.concluded_license(facts)
    notes = [root.license_comment] if root.license_comment else []
    if concluded.value is not None:
        root.license_concluded = _expression(concluded.value)
        notes.append(f"concluded license: {concluded.reason}")
    else:
        notes.append(f"concluded license NOASSERTION: {concluded.reason}")
    statements, why_not = minimums.copyright_statements(facts)
    if statements:
        root.copyright_text = "\n".join(statements)
        notes.append("copyright text: the statements found in the shipped license texts")
    else:
        notes.append(f"copyright text NOASSERTION: {why_not}")
    sha512 = minimums.archive_sha512(facts)
    if sha512.value is not None:
        root.checksums.append(Checksum(ChecksumAlgorithm.SHA512, sha512.value))
    else:
        notes.append(sha512.reason)
    root.license_comment = "; ".join(notes)


def _creators(facts: Facts) -> list[Actor]:
    """The tool, and the organization that makes the SBOM (with its email, when one is set)."""
    email, _ = minimums.creator_contact(facts)
    return [
        Actor(ActorType.TOOL, f"{identity.TOOL_NAME}-{identity.TOOL_VERSION}"),
        Actor(ActorType.ORGANIZATION, facts.creator_name, email),
    ]


def _scores_text(cve: Mapping) -> str:
    scores = cve.get("scores")
    if isinstance(scores, Mapping) and scores:
        return ", ".join(
            f"CVSS {version} {entry.get('score')}" for version, entry in sorted(scores.items())
        )
    return f"CVSS {cve.get('score')}" if cve.get("score") is not None else "no CVSS score"


def _advisories(facts: Facts) -> list[ExternalPackageRef]:
    """SECURITY references: the package's CPE names, then one `advisory` per CVE."""
    version = facts.file["version"]
    refs = [
        ExternalPackageRef(ExternalPackageRefCategory.SECURITY, "cpe23Type", name)
        for name in cpe_names(tuple(facts.cve_identities), version)
    ]
    for cve in facts.cves:
        cve_id = str(cve.get("id"))
        url = cve.get("url") or (
            f"https://nvd.nist.gov/vuln/detail/{cve_id}" if cve_id.startswith("CVE-") else None
        )
        if url:
            status = file_status(cve, facts.file).get("status") or "unknown"
            refs.append(
                ExternalPackageRef(
                    ExternalPackageRefCategory.SECURITY,
                    "advisory",
                    url,
                    comment=f"{cve_id}, status {status}, {_scores_text(cve)}",
                )
            )
    return refs


def _vulns_comment(facts: Facts) -> str | None:
    """Where the document's security references come from (SPDX 2.3 has no field for it)."""
    database = facts.vulns_database or {}
    if database.get("error"):
        return f"Vulnerabilities could not be looked up: {database['error']}"
    if not database.get("version"):
        return None
    covered = {True: "covered", False: "not covered by any vulnerability source"}
    return (
        f"Vulnerabilities from database {database['version']} built {database.get('built_at')}"
        f"; this package is {covered.get(facts.cve_covered, 'of unknown coverage')}."
    )


def _creator_comment(facts: Facts) -> str | None:
    """The creator's contact URL (SPDX 2.3 creators carry an email only) and the vulns note."""
    _, url = minimums.creator_contact(facts)
    parts = [f"SBOM creator {facts.creator_name}, contact {url}"] if url else []
    if _vulns_comment(facts):
        parts.append(_vulns_comment(facts))
    return "; ".join(parts) or None


def _dependency_package(index: int, node: resolve.Node, facts: Facts, supplier: Actor) -> Package:
    spdx_id = f"SPDXRef-Dependency-{index}-{identity.spdx_id_part(node.name)}"
    specs = ", ".join(node.specs)
    if node.file is not None:
        return _file_package(
            spdx_id, node.file, facts, supplier, comment=f"resolved from match spec {specs}"
        )
    return Package(
        spdx_id=spdx_id,
        name=node.name,
        download_location=SpdxNoAssertion(),
        version=resolve.spec_constraint(node.specs[0]) or "unknown",
        supplier=Actor(ActorType.ORGANIZATION, UNKNOWN_SUPPLIER),
        files_analyzed=False,
        license_concluded=SpdxNoAssertion(),
        license_declared=SpdxNoAssertion(),
        copyright_text=SpdxNoAssertion(),
        comment=f"declared dependency {specs}; not resolved: {resolve.REASONS[node.reason]}",
    )


def _extracted(packages: list[tuple[Package, Mapping | None]]) -> list[ExtractedLicensingInfo]:
    found: dict[str, str] = {}
    for _, file in packages:
        if file is None:
            continue
        for ref in _license_refs(file.get("license_spdx")):
            found.setdefault(ref, file.get("license") or ref)
    return [
        ExtractedLicensingInfo(license_id=ref, extracted_text=text, license_name=text)
        for ref, text in sorted(found.items())
    ]


def build_document(facts: Facts) -> Document:
    """The SPDX model of the file: the package, its dependencies, DESCRIBES and DEPENDS_ON."""
    file = facts.file
    supplier = Actor(ActorType.ORGANIZATION, identity.supplier_name(facts))
    timestamp, _ = identity.document_time(facts)
    serial = identity.serial_uuid(file["sha256"], "spdx-2.3")
    root_id = f"SPDXRef-Package-{identity.spdx_id_part(file['name'])}"
    deep = contents_spdx.file_parts(facts, root_id)
    root = _file_package(
        root_id,
        file,
        facts,
        supplier,
        homepage=safe_url(facts.package.get("home")),  # http(s) only
        summary=facts.package.get("summary") or None,
        references=_advisories(facts) + contents_spdx.source_references(facts),
        source_info=contents_spdx.source_info(facts),
        comment=deep.comment,
    )
    _add_minimums(root, facts)
    if deep.files_analyzed:
        root.files_analyzed = True
        root.verification_code = deep.verification_code
    graph = facts.graph()
    ids = {resolve.ROOT: root_id}
    packages: list[tuple[Package, Mapping | None]] = [(root, file)]
    for index, (key, node) in enumerate(graph.nodes.items(), start=1):
        package = _dependency_package(index, node, facts, supplier)
        ids[key] = package.spdx_id
        packages.append((package, node.file))
    relationships = [Relationship("SPDXRef-DOCUMENT", RelationshipType.DESCRIBES, root_id)]
    relationships.extend(deep.relationships)
    relationships.extend(
        Relationship(ids[parent], RelationshipType.DEPENDS_ON, ids[child])
        for parent, children in graph.edges.items()
        for child in children
    )
    creation = CreationInfo(
        spdx_version="SPDX-2.3",
        spdx_id="SPDXRef-DOCUMENT",
        name=identity.document_name(facts),
        document_namespace=f"{identity.namespace_base(facts)}/spdx/"
        f"{identity.document_name(facts)}-{serial}",
        creators=_creators(facts),
        created=timestamp,
        creator_comment=_creator_comment(facts),
    )
    return Document(
        creation,
        packages=[package for package, _ in packages],
        files=deep.files,
        relationships=relationships,
        extracted_licensing_info=_extracted(packages) + contents_spdx.extracted_licenses(facts),
    )


def render_spdx(facts: Facts) -> str:
    """The SPDX 2.3 JSON document for the file, byte-identical for equal facts."""
    data = _CONVERTER.convert(build_document(facts))
    for package in data.get("packages", []):
        for ref in package.get("externalRefs", []):
            # spdx-tools 0.8.5 writes PACKAGE_MANAGER; the SPDX 2.3 schema says PACKAGE-MANAGER
            ref["referenceCategory"] = ref["referenceCategory"].replace("_", "-")
    return json.dumps(data, indent=2, ensure_ascii=False)
