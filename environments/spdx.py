"""SPDX 2.3 JSON for one environment and platform (pure: report dict -> text)."""

from __future__ import annotations

import json
import re

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
from spdx_tools.spdx.model import Package
from spdx_tools.spdx.model import PackagePurpose
from spdx_tools.spdx.model import Relationship
from spdx_tools.spdx.model import RelationshipType
from spdx_tools.spdx.model import SpdxNoAssertion

from common.licenses import LICENSING_LOCK
from environments.identity import DEFAULT_NAMESPACE_BASE
from environments.identity import document_time
from environments.identity import package_comment as _comment
from environments.identity import serial
from environments.identity import supplier
from environments.minimums import DEFAULT_CREATOR
from environments.minimums import Creator
from environments.minimums import statement
from services.sbom.contents_spdx import FileParts
from services.sbom.contents_spdx import paths_parts

NAMESPACE = f"{DEFAULT_NAMESPACE_BASE}/environments/spdx"
TOOL = "conda-badges-environments-0.1.0"
_LICENSING = get_spdx_licensing()
_CONVERTER = DocumentConverter()
_UNSAFE = re.compile(r"[^A-Za-z0-9.-]+")


def _license(text: str | None):
    """A license expression when it is valid SPDX (no LicenseRef), else NOASSERTION."""
    if not text:
        return SpdxNoAssertion()
    with LICENSING_LOCK:
        try:
            parsed = _LICENSING.parse(text, validate=True, strict=True)
        except Exception:  # license-expression raises several types for unknown keys
            return SpdxNoAssertion()
    return parsed if parsed is not None else SpdxNoAssertion()


def license_or_none(text: str | None) -> str | None:
    """The declared license as a valid SPDX expression, else None."""
    value = _license(text)
    return None if isinstance(value, SpdxNoAssertion) else str(value)


def _checksums(row: dict) -> list[Checksum]:
    found = []
    if row["sha256"]:
        found.append(Checksum(ChecksumAlgorithm.SHA256, row["sha256"]))
    if row["md5"]:
        found.append(Checksum(ChecksumAlgorithm.MD5, row["md5"]))
    return found


def _file_parts(index: int, row: dict) -> FileParts:
    """The package's shipped files as SPDX files (`?files=true`), or why they are not."""
    files = row.get("files")
    if files is None:
        return FileParts()
    if not files["expanded"]:
        return FileParts(comment=f"files not expanded: {files['reason']}")
    root = _package_id(index, row)
    return paths_parts(files["paths"], root, prefix=f"SPDXRef-File-{index}")


def _package_id(index: int, row: dict) -> str:
    return f"SPDXRef-Package-{index}-{_UNSAFE.sub('-', row['name'])}"


def _package(index: int, row: dict, parts: FileParts) -> Package:
    refs = [
        ExternalPackageRef(ExternalPackageRefCategory.PACKAGE_MANAGER, "purl", purl)
        for purl in row["purls"]
    ]
    refs += [
        ExternalPackageRef(ExternalPackageRefCategory.SECURITY, "advisory", c["url"])
        for c in row["cves"]
        if str(c["url"] or "").startswith("https://")
    ]
    return Package(
        spdx_id=_package_id(index, row),
        name=row["name"],
        download_location=row["url"]
        if str(row["url"] or "").startswith("http")
        else SpdxNoAssertion(),
        version=row["version"],
        file_name=row["filename"],
        supplier=Actor(ActorType.ORGANIZATION, supplier(row)),
        files_analyzed=parts.files_analyzed,
        verification_code=parts.verification_code,
        checksums=_checksums(row),
        license_concluded=SpdxNoAssertion(),
        license_declared=_license(row["license"]),
        copyright_text=SpdxNoAssertion(),
        license_comment=statement(row),
        external_references=refs,
        comment="; ".join(c for c in (_comment(row), parts.comment) if c),
        primary_package_purpose=PackagePurpose.LIBRARY,
    )


def build_document(report: dict, creator: Creator = DEFAULT_CREATOR) -> Document:
    """The SPDX model: the environment, its packages, DESCRIBES / CONTAINS / DEPENDS_ON."""
    lock, summary = report["lockfile"], report["summary"]
    name = f"environment-{report['environment']}-{report['platform']}-{lock['sha256'][:12]}"
    root = Package(
        spdx_id="SPDXRef-Environment",
        name=f"environment {report['environment']} ({report['platform']})",
        download_location=SpdxNoAssertion(),
        version=lock["sha256"][:12],
        supplier=Actor(ActorType.ORGANIZATION, "the lockfile's author"),
        files_analyzed=False,
        checksums=[Checksum(ChecksumAlgorithm.SHA256, lock["sha256"])],
        primary_package_purpose=PackagePurpose.INSTALL,
        comment=f"{lock['format']} sha256 {lock['sha256']}; {summary['verdict']}",
    )
    parts = [_file_parts(i, row) for i, row in enumerate(report["packages"], start=1)]
    packages = [
        _package(i, row, part)
        for i, (row, part) in enumerate(zip(report["packages"], parts, strict=True), start=1)
    ]
    ids = {row["key"]: p.spdx_id for row, p in zip(report["packages"], packages, strict=True)}
    relationships = [Relationship("SPDXRef-DOCUMENT", RelationshipType.DESCRIBES, root.spdx_id)]
    relationships += [
        Relationship(root.spdx_id, RelationshipType.CONTAINS, p.spdx_id) for p in packages
    ]
    relationships += [
        Relationship(ids[row["key"]], RelationshipType.DEPENDS_ON, ids[target])
        for row in report["packages"]
        for target in row["depends"]
    ]
    relationships += [r for part in parts for r in part.relationships]
    database = report["database"]
    creation = CreationInfo(
        spdx_version="SPDX-2.3",
        spdx_id="SPDXRef-DOCUMENT",
        name=name,
        document_namespace=f"{NAMESPACE}/{name}-{serial(report, 'spdx')}",
        creators=[
            Actor(ActorType.TOOL, TOOL),
            Actor(ActorType.ORGANIZATION, creator.name, creator.email),
        ],
        created=document_time(report),
        creator_comment=(
            f"lockfile sha256 {lock['sha256']}; vulnerability database {database['version']} "
            f"({database['digest']}); {summary['covered']} packages covered, "
            f"{summary['not_tracked']} not tracked"
            + (f"; SBOM creator {creator.name}, contact {creator.url}" if creator.url else "")
        ),
    )
    files = [f for part in parts for f in part.files]
    return Document(creation, packages=[root, *packages], files=files, relationships=relationships)


def render_spdx(report: dict, creator: Creator = DEFAULT_CREATOR) -> str:
    """The SPDX 2.3 JSON text of the environment."""
    data = _CONVERTER.convert(build_document(report, creator))
    for package in data.get("packages", []):
        for ref in package.get("externalRefs", []):
            # spdx-tools 0.8.5 writes PACKAGE_MANAGER; the SPDX 2.3 schema says PACKAGE-MANAGER
            ref["referenceCategory"] = ref["referenceCategory"].replace("_", "-")
    return json.dumps(data, indent=2, ensure_ascii=False)
