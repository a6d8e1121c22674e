"""Pure functions from PackageInfo to the API's JSON: artifacts, files, dependencies."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC
from datetime import datetime

from common.licenses import normalize_spdx
from common.platforms import sorted_platforms
from common.specs import spec_name
from common.versions import highest_version
from common.versions import sort_versions
from gateway.models import PackageFile
from gateway.models import PackageInfo


def iso(timestamp: float | None) -> str | None:
    """Seconds since the epoch as ISO 8601 UTC with a `Z`, or None."""
    if timestamp is None:
        return None
    return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def latest_files(info: PackageInfo) -> list[PackageFile]:
    """The files of the highest version."""
    latest = highest_version(f.version for f in info.files)
    return [f for f in info.files if f.version == latest]


def _total_downloads(files: Iterable[PackageFile]) -> int | None:
    counts = [f.download_count for f in files if f.download_count is not None]
    return sum(counts) if counts else None


def artifact_summary(info: PackageInfo, private: bool) -> dict:
    """The short form used in listings."""
    times = [f.uploaded_at for f in info.files if f.uploaded_at is not None]
    updated = info.upstream_updated_at or (max(times) if times else None)
    license_text = info.license or _latest_license(info)
    return {
        "name": info.name,
        "summary": info.summary,
        "license": license_text,
        "license_spdx": normalize_spdx(license_text),
        "latest_version": highest_version(f.version for f in info.files),
        "platforms": sorted_platforms(f.subdir for f in info.files),
        "updated_at": iso(updated),
        "download_count": _total_downloads(info.files),
        "private": private,
    }


def _latest_license(info: PackageInfo) -> str | None:
    for file in latest_files(info):
        if file.license:
            return file.license
    return None


def artifact(info: PackageInfo, channel: str, subchannel: str | None, private: bool) -> dict:
    """The full artifact object for `/artifacts/conda/<name>`."""
    times = [f.uploaded_at for f in info.files if f.uploaded_at is not None]
    body = artifact_summary(info, private)
    body.update(
        {
            "channel": channel,
            "subchannel": subchannel,
            "description": info.description,
            "versions": sort_versions(f.version for f in info.files),
            "created_at": iso(info.upstream_created_at or (min(times) if times else None)),
            "home": info.home,
            "dev_url": info.dev_url,
            "doc_url": info.doc_url,
            "file_count": len(info.files),
            "labels": sorted({label for f in info.files for label in f.labels}),
        }
    )
    return body


def file_entry(file: PackageFile) -> dict:
    """One package file as the API shows it."""
    return {
        "filename": file.filename,
        "name": file.name,
        "version": file.version,
        "build": file.build,
        "build_number": file.build_number,
        "subdir": file.subdir,
        "size": file.size,
        "md5": file.md5,
        "sha256": file.sha256,
        "depends": list(file.depends),
        "constrains": list(file.constrains),
        "license": file.license,
        "license_spdx": normalize_spdx(file.license),
        "noarch": file.noarch,
        "uploaded_at": iso(file.uploaded_at),
        "download_count": file.download_count,
        "download_url": file.download_url,
        "labels": list(file.labels),
        "record_subdir": file.record_subdir,
    }


def depends_of_latest(info: PackageInfo) -> list[dict]:
    """What the latest version depends on, merged over its files, with the subdirs that say so."""
    merged: dict[str, dict] = {}
    for file in latest_files(info):
        for spec in file.depends:
            entry = merged.setdefault(
                spec,
                {
                    "spec": spec,
                    "name": spec_name(spec),
                    "constraint": spec.split(None, 1)[1] if " " in spec.strip() else None,
                    "subdirs": [],
                },
            )
            if file.subdir not in entry["subdirs"]:
                entry["subdirs"].append(file.subdir)
    for entry in merged.values():
        entry["subdirs"] = sorted_platforms(entry["subdirs"])
    return sorted(merged.values(), key=lambda e: (e["name"], e["spec"]))


def dependants_in(packages: Iterable[PackageInfo], name: str) -> list[dict]:
    """Packages whose latest version depends on `name`, each with the spec it declares."""
    found = []
    for info in packages:
        if info.name == name:
            continue
        for file in latest_files(info):
            spec = next((s for s in file.depends if spec_name(s) == name), None)
            if spec is not None:
                found.append({"name": info.name, "version": file.version, "spec": spec})
                break
    return sorted(found, key=lambda e: e["name"])
