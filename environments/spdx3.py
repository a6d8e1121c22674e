"""SPDX 3.0.1 JSON-LD for one environment and platform, made with the official SPDX 3 Python
model (`spdx-python-model`) through the builder the package-file writer uses (pure: report ->
text).

One `SpdxDocument` whose root is a `software_Sbom` (type `deployed`) rooted at the environment
(a `software_Package` whose distribution artifact is the lockfile, by its SHA-256); it
`contains` every locked package, each with its purl, declared license, supplier (channel or
PyPI, with URL), distribution file (name and the lock's SHA-256/MD5, an archive that holds
components), `dependsOn` with completeness, and its CVEs as Security-profile elements. The
minimum elements a lockfile cannot give are named per package in its comment
(environments/minimums.py).
"""

from __future__ import annotations

from spdx_python_model.bindings import v3_0_1 as spdx3

from environments.identity import DEFAULT_NAMESPACE_BASE
from environments.identity import document_time
from environments.identity import package_comment
from environments.identity import serial
from environments.identity import supplier
from environments.minimums import DEFAULT_CREATOR
from environments.minimums import Creator
from environments.minimums import filename
from environments.minimums import statement
from environments.minimums import supplier_url
from environments.spdx import license_or_none
from services.sbom.spdx3_builder import CORE
from services.sbom.spdx3_builder import Builder
from services.sbom.spdx3_builder import serialize
from services.sbom.spdx3_security import Security
from services.sbom.spdx3_security import from_environment_cve

NAMESPACE = f"{DEFAULT_NAMESPACE_BASE}/environments/spdx3"
_PURPOSE = spdx3.software_SoftwarePurpose
_REL = spdx3.RelationshipType
_COMPLETE = spdx3.RelationshipCompleteness
_HASH = spdx3.HashAlgorithm
ROOT_GAPS = (
    "the environment is described by its lockfile: its creator (the lockfile's author) has no "
    "known contact, a lockfile has no license, copyright text or SHA-512 recorded here, and it "
    "is a manifest, not a container"
)


def _suppliers(builder: Builder, rows: list[dict]) -> dict[str, str]:
    """One organization per supplier (channel or PyPI), with its URL: name -> id."""
    found: dict[str, str] = {}
    for row in rows:
        name = supplier(row)
        if name not in found:
            url = supplier_url(row).value
            found[name] = builder.organization(f"Supplier-{len(found) + 1}", name, url=url).spdxId
    return found


def _artifact(builder: Builder, local: str, name: str, row: dict) -> str:
    """The package file (an archive holding components) with the lock's digests."""
    hashes = [spdx3.Hash(algorithm=_HASH.sha256, hashValue=row["sha256"])] if row["sha256"] else []
    if row.get("md5"):
        hashes.append(spdx3.Hash(algorithm=_HASH.md5, hashValue=row["md5"]))
    element = builder.add(
        spdx3.software_File(
            spdxId=builder.id(f"{local}-file"),
            name=name,
            verifiedUsing=hashes,
            software_primaryPurpose=_PURPOSE.archive,
            software_additionalPurpose=[_PURPOSE.container],  # BSI: structured
            creationInfo=builder.info,
        )
    )
    return element.spdxId


def _package(builder: Builder, index: int, row: dict, suppliers: dict[str, str]) -> str:
    local = f"Package-{index}-{row['name']}"
    url = row["url"] if str(row["url"] or "").startswith(("http://", "https://")) else None
    values = {
        "spdxId": builder.id(local),
        "name": row["name"],
        "software_packageVersion": row["version"],
        "software_packageUrl": row["purls"][0],
        "software_downloadLocation": url,
        "software_primaryPurpose": _PURPOSE.library,
        "suppliedBy": suppliers[supplier(row)],
        "originatedBy": [suppliers[supplier(row)]],
        "comment": f"{package_comment(row)}; minimum elements: {statement(row)}",
        "creationInfo": builder.info,
    }
    package = builder.add(
        spdx3.software_Package(**{k: v for k, v in values.items() if v is not None})
    )
    declared = license_or_none(row["license"])
    if declared:
        builder.relate(
            package.spdxId,
            _REL.hasDeclaredLicense,
            [builder.license(f"{local}-declared", declared)],
        )
    name = filename(row).value
    if name:
        artifact = _artifact(builder, local, name, row)
        builder.relate(package.spdxId, _REL.hasDistributionArtifact, [artifact])
    return package.spdxId


def _root(builder: Builder, report: dict) -> str:
    lock, summary = report["lockfile"], report["summary"]
    database = report["database"]
    author = builder.organization("Lockfile-author", "the lockfile's author")
    root = builder.add(
        spdx3.software_Package(
            spdxId=builder.id("Environment"),
            name=f"environment {report['environment']} ({report['platform']})",
            software_packageVersion=lock["sha256"][:12],
            software_primaryPurpose=_PURPOSE.install,
            suppliedBy=author.spdxId,
            comment=(
                f"{lock['format']} sha256 {lock['sha256']}; vulnerability database "
                f"{database['version']} ({database['digest']}); {summary['verdict']}; "
                f"minimum elements: {ROOT_GAPS}"
            ),
            creationInfo=builder.info,
        )
    )
    lockfile = builder.add(
        spdx3.software_File(
            spdxId=builder.id("Lockfile"),
            name=lock["format"].split(" ")[0],
            verifiedUsing=[spdx3.Hash(algorithm=_HASH.sha256, hashValue=lock["sha256"])],
            software_primaryPurpose=_PURPOSE.manifest,
            creationInfo=builder.info,
        )
    )
    builder.relate(root.spdxId, _REL.hasDistributionArtifact, [lockfile.spdxId])
    return root.spdxId


def build_objects(report: dict, creator: Creator = DEFAULT_CREATOR) -> spdx3.SHACLObjectSet:
    """The SPDX 3.0.1 object set of the environment: document, SBOM, packages, graph."""
    lock = report["lockfile"]
    name = f"environment-{report['environment']}-{report['platform']}-{lock['sha256'][:12]}"
    base = f"{NAMESPACE}/{name}-{serial(report, 'spdx3')}"
    builder = Builder(base, document_time(report), (creator.name, creator.email, creator.url))
    rows = report["packages"]
    root = _root(builder, report)
    suppliers = _suppliers(builder, rows)
    ids = {row["key"]: _package(builder, i, row, suppliers) for i, row in enumerate(rows, 1)}
    security = Security(builder)
    for row in rows:
        security.add([from_environment_cve(c) for c in row["cves"]], ids[row["key"]])
    if ids:
        builder.relate(root, _REL.contains, list(ids.values()), completeness=_COMPLETE.complete)
    for row in rows:
        complete = not row["unresolved_depends"]
        children = [ids[key] for key in row["depends"]]
        # none: NoneElement; unknown ones: NoAssertionElement (they are not in the lock)
        builder.relate(
            ids[row["key"]],
            _REL.dependsOn,
            children or [CORE + ("NoneElement" if complete else "NoAssertionElement")],
            completeness=_COMPLETE.complete if complete else _COMPLETE.incomplete,
        )
    return builder.close(root, name, spdx3.software_SbomType.deployed)


def render_spdx3(report: dict, creator: Creator = DEFAULT_CREATOR) -> str:
    """The SPDX 3.0.1 JSON-LD text of the environment, byte-identical for equal reports."""
    return serialize(build_objects(report, creator))
