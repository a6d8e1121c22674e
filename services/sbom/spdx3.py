"""SPDX 3.0.1 JSON-LD for one conda package file, made with the official SPDX 3 Python model
(`spdx-python-model`; pure: facts -> JSON text).

One document: an `SpdxDocument` whose root is a `software_Sbom` (type `build`), the package
(`software_Package`) with its distribution file (`software_File`: the `.conda`/`.tar.bz2`,
its SHA-256 and, from a whole read, SHA-512), its declared and concluded licenses, copyright
text, supplier and originator, its dependencies (`dependsOn`, completeness stated) and its
known vulnerabilities as Security-profile elements (services/sbom/spdx3_security.py). The
minimum elements come from services/sbom/minimums.py, as for SPDX 2.3 and CycloneDX.
"""

from __future__ import annotations

from spdx_python_model.bindings import v3_0_1 as spdx3

from services.sbom import contents_spdx
from services.sbom import identity
from services.sbom import minimums
from services.sbom import resolve
from services.sbom.facts import Facts
from services.sbom.purl import file_purl
from services.sbom.spdx3_builder import CORE
from services.sbom.spdx3_builder import SPEC_VERSION  # noqa: F401 (part of the interface)
from services.sbom.spdx3_builder import Builder
from services.sbom.spdx3_builder import serialize
from services.sbom.spdx3_security import Security
from services.sbom.spdx3_security import from_cves_item

_PURPOSE = spdx3.software_SoftwarePurpose
_REL = spdx3.RelationshipType
_COMPLETE = spdx3.RelationshipCompleteness
_CORE = CORE


class _Builder(Builder):
    """The shared builder, with the file's facts and its document namespace."""

    def __init__(self, facts: Facts):
        self.facts = facts
        serial = identity.serial_uuid(facts.file["sha256"], "spdx-3.0.1")
        base = f"{identity.namespace_base(facts)}/spdx3/{identity.document_name(facts)}-{serial}"
        created, _ = identity.document_time(facts)
        super().__init__(base, created, (facts.creator_name, *minimums.creator_contact(facts)))


def _channel_url(file: dict) -> str | None:
    """The channel's subdir URL (the download URL's folder), when it is http(s)."""
    url = file.get("download_url") or ""
    return url.rsplit("/", 1)[0] if url.startswith(("http://", "https://")) else None


def _supplier(builder: _Builder) -> spdx3.Organization:
    # a file:// channel has no URL to give: BSI's component creator is missing
    url = _channel_url(builder.facts.file)
    return builder.organization("Supplier", identity.supplier_name(builder.facts), url=url)


def _hashes(file: dict, sha512: str | None) -> list[spdx3.Hash]:
    found = [spdx3.Hash(algorithm=spdx3.HashAlgorithm.sha256, hashValue=file["sha256"])]
    if sha512:
        found.append(spdx3.Hash(algorithm=spdx3.HashAlgorithm.sha512, hashValue=sha512))
    return found


def _package(builder: _Builder, local: str, file: dict, supplier: str, **extra):
    values = {
        "spdxId": builder.id(local),
        "name": file["name"],
        "software_packageVersion": file["version"],
        "software_packageUrl": file_purl(file, builder.facts.channel, builder.facts.subchannel),
        "software_downloadLocation": file.get("download_url") or None,
        "software_primaryPurpose": _PURPOSE.library,
        "suppliedBy": supplier,
        "originatedBy": [supplier],
        "creationInfo": builder.info,
        **extra,
    }
    package = builder.add(
        spdx3.software_Package(**{k: v for k, v in values.items() if v is not None})
    )
    if file.get("license_spdx"):
        declared = builder.license(f"{local}-declared", file["license_spdx"])
        builder.relate(package.spdxId, _REL.hasDeclaredLicense, [declared])
    return package


def _distribution(builder: _Builder, package, file: dict, sha512: str | None) -> None:
    artifact = builder.add(
        spdx3.software_File(
            spdxId=builder.id(f"{package.name}-file-{file['filename']}"),
            name=file["filename"],
            verifiedUsing=_hashes(file, sha512),
            software_primaryPurpose=_PURPOSE.archive,
            software_additionalPurpose=[_PURPOSE.container],  # BSI: structured (holds components)
            creationInfo=builder.info,
        )
    )
    builder.relate(package.spdxId, _REL.hasDistributionArtifact, [artifact.spdxId])


def _shipped_file(builder: _Builder, index: int, entry: dict) -> str:
    """One file the package ships: its path, hashes, and what its archive member says."""
    purposes = [_PURPOSE.executable] if minimums.is_executable(entry) else []
    element = builder.add(
        spdx3.software_File(
            spdxId=builder.id(f"File-{index}"),
            name=entry["path"],
            verifiedUsing=[
                spdx3.Hash(algorithm=spdx3.HashAlgorithm.sha256, hashValue=entry["sha256"])
            ]
            if entry.get("sha256")
            else [],
            software_primaryPurpose=_PURPOSE.archive
            if minimums.is_archive(entry["path"])
            else _PURPOSE.file,
            software_additionalPurpose=purposes,
            comment=contents_spdx.file_comment(entry),
            creationInfo=builder.info,
        )
    )
    return element.spdxId


def _contains(builder: _Builder, root) -> None:
    """`contains` from the package to the files it ships (unless `?files=false`)."""
    paths = (builder.facts.contents or {}).get("paths") or []
    if not builder.facts.files or not paths:
        return
    files = [_shipped_file(builder, i, e) for i, e in enumerate(paths, start=1)]
    builder.relate(root.spdxId, _REL.contains, files, completeness=_COMPLETE.complete)


def _root(builder: _Builder, supplier: str):
    facts = builder.facts
    statements, why_no_copyright = minimums.copyright_statements(facts)
    concluded = minimums.concluded_license(facts)
    sha512 = minimums.archive_sha512(facts)
    notes = [f"concluded license: {concluded.reason}"]
    notes += [why_no_copyright] if why_no_copyright else []
    notes += [sha512.reason] if sha512.value is None else []
    root = _package(
        builder,
        f"Package-{facts.file['name']}",
        facts.file,
        supplier,
        software_copyrightText="\n".join(statements) or None,
        summary=facts.package.get("summary") or None,
        comment="; ".join(notes),
    )
    if concluded.value is not None:
        concluded_id = builder.license("Package-concluded", concluded.value)
        builder.relate(root.spdxId, _REL.hasConcludedLicense, [concluded_id])
    _distribution(builder, root, facts.file, sha512.value)
    _contains(builder, root)
    findings = [from_cves_item(cve, facts.file) for cve in facts.cves]
    Security(builder).add(findings, root.spdxId)
    return root


def build_objects(facts: Facts) -> spdx3.SHACLObjectSet:
    """The SPDX 3.0.1 object set of the file: document, SBOM, package, dependencies."""
    builder = _Builder(facts)
    supplier = _supplier(builder).spdxId
    root = _root(builder, supplier)
    graph = facts.graph()
    ids = {resolve.ROOT: root.spdxId}
    for index, (key, node) in enumerate(graph.nodes.items(), start=1):
        if node.file is None:
            continue
        dependency = _package(
            builder,
            f"Dependency-{index}-{node.name}",
            node.file,
            supplier,
            comment=f"resolved from match spec {', '.join(node.specs)}; its contents were not read",
        )
        _distribution(builder, dependency, node.file, None)
        ids[key] = dependency.spdxId
    for parent in graph.expanded:
        children = [ids[c] for c in graph.edges[parent] if c in ids]
        complete = len(children) == len(graph.edges[parent])
        if parent in ids:
            # SPDX 3: no dependencies is a relationship to NoneElement; unknown ones, to
            # NoAssertionElement (unresolved dependencies are not elements of the document)
            builder.relate(
                ids[parent],
                _REL.dependsOn,
                children or [_CORE + ("NoneElement" if complete else "NoAssertionElement")],
                completeness=_COMPLETE.complete if complete else _COMPLETE.incomplete,
            )
    return builder.close(root.spdxId, identity.document_name(facts), spdx3.software_SbomType.build)


def render_spdx3(facts: Facts) -> str:
    """The SPDX 3.0.1 JSON-LD document for the file, byte-identical for equal facts."""
    return serialize(build_objects(facts))
