"""CycloneDX parts made from a package's contents: its files, license texts, Python
distributions, upstream source, patches and build provenance (pure: facts -> model parts).

Licenses follow CycloneDX 1.6's three stages: the package's license is *declared*; the license
texts it ships are *observed* (`evidence.licenses`, with `license.text`); nothing here is
*concluded*, which takes an analysis this service does not do.
"""

from __future__ import annotations

from collections.abc import Iterable
from collections.abc import Mapping

from cyclonedx.model import AttachedText
from cyclonedx.model import ExternalReference
from cyclonedx.model import ExternalReferenceType
from cyclonedx.model import HashAlgorithm
from cyclonedx.model import HashType
from cyclonedx.model import Property
from cyclonedx.model import XsUri
from cyclonedx.model.component import Component
from cyclonedx.model.component import ComponentType
from cyclonedx.model.component import Diff
from cyclonedx.model.component import Patch
from cyclonedx.model.component import PatchClassification
from cyclonedx.model.component import Pedigree
from cyclonedx.model.component_evidence import ComponentEvidence
from cyclonedx.model.component_evidence import Occurrence
from cyclonedx.model.license import DisjunctiveLicense
from packageurl import PackageURL

from services.sbom import minimums
from services.sbom.facts import MISSING_WITHOUT_CONTENTS
from services.sbom.facts import Facts


def http_url(value: object) -> str | None:
    """`value` when it is an http(s) URL without spaces, else None (other schemes are dropped)."""
    if isinstance(value, list | tuple):
        value = next((v for v in value if isinstance(v, str)), None)
    if not isinstance(value, str):
        return None
    value = value.strip()
    if not value.lower().startswith(("http://", "https://")) or any(c.isspace() for c in value):
        return None
    return value


def _pairs_to_properties(pairs: Iterable[tuple[str, object]]) -> list[Property]:
    return [Property(name=n, value=str(v)) for n, v in pairs if v not in (None, "", [])]


def file_hashes(entry: Mapping) -> list[tuple[HashAlgorithm, str]]:
    """A shipped file's hashes as (algorithm, hex digest): SHA-256, then SHA-1 when read."""
    return [
        (alg, entry[key])
        for alg, key in ((HashAlgorithm.SHA_256, "sha256"), (HashAlgorithm.SHA_1, "sha1"))
        if entry.get(key)
    ]


def file_properties(entry: Mapping) -> list[tuple[str, object]]:
    """What paths.json and the archive say of one shipped file, as (name, value) pairs."""
    return [
        ("conda:file:path-type", entry.get("path_type")),
        ("conda:file:size", entry.get("size")),
        ("conda:file:mode", entry.get("file_mode")),
        ("conda:file:prefix-placeholder", entry.get("prefix_placeholder")),
        ("conda:file:no-link", "true" if entry.get("no_link") else None),
        ("conda:file:archive-type", entry.get("archive_type")),
        ("conda:file:hashes-of", entry.get("hashes_of")),
        ("conda:file:link-target", entry.get("link_target")),
        ("conda:file:paths-json-sha256", entry.get("paths_json_sha256")),
        ("conda:file:executable", _bool(minimums.is_executable(entry))),
        ("conda:file:archive", "true" if minimums.is_archive(entry["path"]) else None),
    ]


def file_component(entry: Mapping) -> Component:
    """One shipped file: named by its path as paths.json gives it, with its hashes."""
    return Component(
        type=ComponentType.FILE,
        name=entry["path"],
        bom_ref=f"file:{entry['path']}",
        hashes=[HashType(alg=alg, content=digest) for alg, digest in file_hashes(entry)],
        properties=_pairs_to_properties(file_properties(entry)),
    )


def python_component(distribution: Mapping) -> Component:
    """A Python distribution shipped in site-packages, with its PyPI purl."""
    purl = PackageURL(type="pypi", name=distribution["name"], version=distribution.get("version"))
    return Component(
        type=ComponentType.LIBRARY,
        name=distribution["name"],
        version=distribution.get("version"),
        purl=purl,
        bom_ref=f"python:{distribution['path']}",
        evidence=ComponentEvidence(occurrences=[Occurrence(location=distribution["path"])]),
        properties=_pairs_to_properties(
            [
                ("conda:python:metadata", distribution["kind"]),
                ("conda:python:path", distribution["path"]),
            ]
        ),
    )


def license_evidence(contents: Mapping) -> list[DisjunctiveLicense]:
    """The license texts the package ships (observed), each named by its path in the package."""
    return [
        DisjunctiveLicense(
            name=item["path"], text=AttachedText(content=item["text"], content_type="text/plain")
        )
        for item in contents.get("licenses") or ()
    ]


def _source_references(recipe: Mapping) -> list[ExternalReference]:
    found = []
    for source in recipe.get("sources") or ():
        url = http_url(source.get("url"))
        if url:
            hashes = (
                [HashType(alg=HashAlgorithm.SHA_256, content=source["sha256"])]
                if source.get("sha256")
                else []
            )
            found.append(
                ExternalReference(
                    type=ExternalReferenceType.SOURCE_DISTRIBUTION,
                    url=XsUri(url),
                    comment="the source the recipe builds from",
                    hashes=hashes,
                )
            )
        git = http_url(source.get("git_url"))
        if git:
            revision = source.get("git_rev")
            found.append(
                ExternalReference(
                    type=ExternalReferenceType.VCS,
                    url=XsUri(git),
                    comment=f"the source the recipe builds from, revision {revision}"
                    if revision
                    else "the source the recipe builds from",
                )
            )
    return found


def provenance_references(contents: Mapping) -> list[ExternalReference]:
    """Where the package was built from: the recipe's sources, the feedstock, the license URL."""
    about = contents.get("about") or {}
    extra = about.get("extra") if isinstance(about.get("extra"), Mapping) else {}
    found = _source_references(contents.get("recipe") or {})
    feedstock = http_url(extra.get("remote_url"))
    if feedstock:
        commit = extra.get("sha")
        found.append(
            ExternalReference(
                type=ExternalReferenceType.VCS,
                url=XsUri(feedstock),
                comment=f"the recipe's repository (feedstock), commit {commit}"
                if commit
                else "the recipe's repository (feedstock)",
            )
        )
    for key, kind in (
        ("home", ExternalReferenceType.WEBSITE),
        ("dev_url", ExternalReferenceType.VCS),
        ("doc_url", ExternalReferenceType.DOCUMENTATION),
    ):
        url = http_url(about.get(key))
        if url:  # the same link from the channel's metadata is written once (equal references)
            found.append(ExternalReference(type=kind, url=XsUri(url)))
    source_url = http_url(about.get("source_url"))
    if source_url and not any(str(r.url) == source_url for r in found):
        found.append(
            ExternalReference(type=ExternalReferenceType.SOURCE_DISTRIBUTION, url=XsUri(source_url))
        )
    license_url = http_url(about.get("license_url"))
    if license_url:
        found.append(ExternalReference(type=ExternalReferenceType.LICENSE, url=XsUri(license_url)))
    return found


def pedigree(facts: Facts) -> Pedigree | None:
    """The upstream project the package was built from, and the recipe's patches."""
    contents = facts.contents or {}
    recipe = contents.get("recipe") or {}
    sources = [s for s in recipe.get("sources") or () if http_url(s.get("url"))]
    ancestors = []
    if sources:
        source = sources[0]
        qualifiers = {"download_url": http_url(source["url"])}
        if source.get("sha256"):
            qualifiers["checksum"] = f"sha256:{source['sha256']}"
        name, version = facts.file["name"], facts.file["version"]
        ancestors.append(
            Component(
                type=ComponentType.LIBRARY,
                name=name,
                version=version,
                bom_ref=f"upstream:{name}@{version}",
                purl=PackageURL(type="generic", name=name, version=version, qualifiers=qualifiers),
                description="the upstream source this package was built from",
                external_references=_source_references({"sources": [source]}),
            )
        )
    patches = [
        Patch(
            type=PatchClassification.UNOFFICIAL,
            diff=Diff(text=AttachedText(content=patch["text"], content_type="text/x-diff")),
        )
        for patch in recipe.get("patches") or ()
    ]
    if not ancestors and not patches:
        return None
    return Pedigree(ancestors=ancestors, patches=patches)


def contents_properties(facts: Facts) -> list[tuple[str, object]]:
    """What the document can say about the package contents and how they were read."""
    contents = facts.contents
    if contents is None:
        return [
            ("conda:contents:status", facts.contents_status),
            ("conda:contents:missing", MISSING_WITHOUT_CONTENTS),
        ]
    archive = contents.get("archive") or {}
    about = contents.get("about") or {}
    extra = about.get("extra") if isinstance(about.get("extra"), Mapping) else {}
    recipe = contents.get("recipe") or {}
    pairs: list[tuple[str, object]] = [
        ("conda:contents:status", facts.contents_status),
        ("conda:contents:layout", contents.get("layout")),
        ("conda:contents:path-count", contents.get("path_count")),
        ("conda:contents:files-listed", "true" if facts.files else "false"),
        ("conda:contents:archive-read", archive.get("read")),
        ("conda:contents:archive-sha256-verified", _bool(archive.get("sha256_verified"))),
        ("conda:contents:archive-size-verified", _bool(archive.get("size_verified"))),
        ("conda:contents:files-hashed", _bool(archive.get("files_hashed"))),
        ("conda:contents:files-mismatched", archive.get("files_mismatched")),
        ("conda:build:builder", recipe.get("builder")),
        ("conda:build:conda-build-version", about.get("conda_build_version")),
        ("conda:build:conda-version", about.get("conda_version")),
        ("conda:build:commit", extra.get("sha")),
        ("conda:build:flow-run-id", extra.get("flow_run_id")),
    ]
    pairs += [("conda:contents:note", note) for note in contents.get("notes") or ()]
    pairs += [("conda:recipe:file", name) for name in recipe.get("files") or ()]
    pairs += [("conda:recipe:maintainer", m) for m in recipe.get("maintainers") or ()]
    pairs += [("conda:package:link-script", p) for p in contents.get("link_scripts") or ()]
    return pairs


def _bool(value: object) -> str | None:
    return None if value is None else ("true" if value else "false")


def nested_components(facts: Facts) -> list[Component]:
    """The root's parts: its files (unless `?files=false`) and its Python distributions."""
    contents = facts.contents
    if contents is None:
        return []
    found = [python_component(d) for d in contents.get("python") or ()]
    if facts.files:
        found += [file_component(entry) for entry in contents.get("paths") or ()]
    return found


def root_parts(facts: Facts) -> dict:
    """Keyword arguments for the root component: nested parts, evidence, pedigree, links."""
    contents = facts.contents
    parts: dict = {"properties": contents_properties(facts), "references": []}
    if contents is None:
        return parts
    parts["references"] = provenance_references(contents)
    parts["components"] = nested_components(facts)
    texts = license_evidence(contents)
    if texts:
        parts["evidence"] = ComponentEvidence(licenses=texts)
    found = pedigree(facts)
    if found is not None:
        parts["pedigree"] = found
    return parts
