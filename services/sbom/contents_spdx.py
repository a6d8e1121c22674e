"""SPDX 2.3 parts made from a package's contents (pure: facts -> model parts).

SPDX holds: the license texts the package ships (`hasExtractedLicensingInfos`), where it was
built from (external references, `sourceInfo`), and its files, but a file needs a SHA-1
(SPDX 2.3 §8.4), which only a whole-archive read gives. Without one the package says
`filesAnalyzed: false`, and its comment says why and where the files are (CycloneDX).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field

from spdx_tools.spdx.model import Checksum
from spdx_tools.spdx.model import ChecksumAlgorithm
from spdx_tools.spdx.model import ExternalPackageRef
from spdx_tools.spdx.model import ExternalPackageRefCategory
from spdx_tools.spdx.model import ExtractedLicensingInfo
from spdx_tools.spdx.model import File
from spdx_tools.spdx.model import FileType
from spdx_tools.spdx.model import PackageVerificationCode
from spdx_tools.spdx.model import Relationship
from spdx_tools.spdx.model import RelationshipType
from spdx_tools.spdx.model import SpdxNoAssertion

from services.sbom import minimums
from services.sbom.contents_cdx import http_url
from services.sbom.facts import MISSING_WITHOUT_CONTENTS
from services.sbom.facts import Facts

_REF_UNSAFE = re.compile(r"[^A-Za-z0-9.-]+")


@dataclass
class FileParts:
    """What the root package gets from its contents."""

    files_analyzed: bool = False
    files: list[File] = field(default_factory=list)
    relationships: list[Relationship] = field(default_factory=list)
    verification_code: PackageVerificationCode | None = None
    comment: str | None = None


def license_ref(path: str) -> str:
    """The `LicenseRef-` id of a license text shipped at `path` (`info/licenses/LICENSE`)."""
    return "LicenseRef-conda-" + (_REF_UNSAFE.sub("-", path).strip("-") or "license")


def extracted_licenses(facts: Facts) -> list[ExtractedLicensingInfo]:
    """The package's license texts, each under its own LicenseRef with the path as its name."""
    contents = facts.contents or {}
    return [
        ExtractedLicensingInfo(
            license_id=license_ref(item["path"]),
            extracted_text=item["text"],
            license_name=item["path"],
            comment=f"license text shipped in the package file at {item['path']}"
            + (" (cut at 1,000,000 characters)" if item.get("truncated") else ""),
        )
        for item in contents.get("licenses") or ()
        if item.get("text", "").strip()
    ]


def source_references(facts: Facts) -> list[ExternalPackageRef]:
    """Where the package was built from, as OTHER references (SPDX 2.3 has no closer category)."""
    contents = facts.contents or {}
    recipe = contents.get("recipe") or {}
    about = contents.get("about") or {}
    extra = about.get("extra") if isinstance(about.get("extra"), Mapping) else {}
    found = []
    for source in recipe.get("sources") or ():
        url = http_url(source.get("url"))
        if url:
            digest = f", sha256 {source['sha256']}" if source.get("sha256") else ""
            found.append(
                ExternalPackageRef(
                    ExternalPackageRefCategory.OTHER,
                    "source-distribution",
                    url,
                    comment=f"the source the recipe builds from{digest}",
                )
            )
        git = http_url(source.get("git_url"))
        if git:
            found.append(
                ExternalPackageRef(
                    ExternalPackageRefCategory.OTHER,
                    "vcs",
                    git,
                    comment=f"the source the recipe builds from, revision {source.get('git_rev')}",
                )
            )
    feedstock = http_url(extra.get("remote_url"))
    if feedstock:
        found.append(
            ExternalPackageRef(
                ExternalPackageRefCategory.OTHER,
                "vcs",
                feedstock,
                comment=f"the recipe's repository (feedstock), commit {extra.get('sha')}",
            )
        )
    return found


def source_info(facts: Facts) -> str | None:
    """A sentence on the package's origin: builder, recipe sources, how its contents were read."""
    contents = facts.contents
    if contents is None:
        return f"package contents {facts.contents_status}; missing: {MISSING_WITHOUT_CONTENTS}"
    recipe = contents.get("recipe") or {}
    about = contents.get("about") or {}
    archive = contents.get("archive") or {}
    parts = []
    if recipe.get("builder"):
        version = about.get("conda_build_version") if recipe["builder"] == "conda-build" else None
        parts.append(f"built by {recipe['builder']} {version or ''}".rstrip())
    for source in recipe.get("sources") or ():
        where = source.get("url") or source.get("git_url")
        parts.append(
            f"from {where}" + (f" (sha256 {source['sha256']})" if source.get("sha256") else "")
        )
    parts.append(
        f"contents read from the archive ({archive.get('read')}); archive sha256 "
        + (
            "verified against the channel's repodata"
            if archive.get("sha256_verified")
            else "not verified"
        )
    )
    return "; ".join(parts)


def _verification_code(sha1s: list[str]) -> PackageVerificationCode:
    """SPDX 2.3 §7.9: SHA-1 of the sorted, concatenated file SHA-1s."""
    digest = hashlib.sha1("".join(sorted(sha1s)).encode("ascii"))  # noqa: S324 - the spec's hash
    return PackageVerificationCode(digest.hexdigest())


def file_comment(entry: Mapping) -> str:
    """What conda and the archive say of one file, and what its checksums are of."""
    parts = [f"conda path_type {entry.get('path_type')}"]
    if entry.get("prefix_placeholder"):
        parts.append(f"prefix placeholder {entry['prefix_placeholder']}")
    if entry.get("archive_type"):
        parts.append(f"the archive holds a {entry['archive_type']}")
    if entry.get("hashes_of") == "link target":
        parts.append(f"checksums are of the link's target {entry.get('link_target')}")
    if entry.get("paths_json_sha256"):
        parts.append(f"paths.json says sha256 {entry['paths_json_sha256']}")
    executable = minimums.is_executable(entry)
    if executable is not None:
        parts.append("executable" if executable else "not executable")
    return ", ".join(parts)


def file_parts(facts: Facts, root_id: str) -> FileParts:
    """The package's files as SPDX files (with SHA-1 and SHA-256), when SPDX can hold them."""
    contents = facts.contents
    if contents is None:
        return FileParts(comment=f"files not listed: package contents {facts.contents_status}")
    if not facts.files:
        return FileParts(comment="files not listed: this is the short form (?files=false)")
    return paths_parts(contents.get("paths") or [], root_id)


def paths_parts(paths: list, root_id: str, prefix: str = "SPDXRef-File") -> FileParts:
    """The files of paths.json entries as SPDX files contained in `root_id` (ids `prefix-N`),
    or a comment saying why SPDX cannot hold them."""
    if not paths:
        return FileParts(comment="the package lists no files")
    if not all(entry.get("sha1") and entry.get("sha256") for entry in paths):
        return FileParts(
            comment="files not listed: SPDX 2.3 requires a SHA-1 for every file, and only the "
            "archive's info member was read (HTTP range requests), which gives SHA-256 only; "
            "the CycloneDX document of this file lists every file with its SHA-256"
        )
    files = []
    relationships = []
    for index, entry in enumerate(paths, start=1):
        spdx_id = f"{prefix}-{index}"
        files.append(
            File(
                name=f"./{entry['path']}",
                spdx_id=spdx_id,
                checksums=[
                    Checksum(ChecksumAlgorithm.SHA1, entry["sha1"]),
                    Checksum(ChecksumAlgorithm.SHA256, entry["sha256"]),
                ],
                license_concluded=SpdxNoAssertion(),
                copyright_text=SpdxNoAssertion(),
                comment=file_comment(entry),
                file_types=[FileType.ARCHIVE] if minimums.is_archive(entry["path"]) else [],
            )
        )
        relationships.append(Relationship(root_id, RelationshipType.CONTAINS, spdx_id))
    return FileParts(
        files_analyzed=True,
        files=files,
        relationships=relationships,
        verification_code=_verification_code([e["sha1"] for e in paths]),
    )
