"""A channel's vulnerability statements as a VEX repository (aquasecurity/vex-repo-spec v0.1).

The layout the spec defines: a manifest (`.well-known/vex-repository.json`) naming a tar.gz
archive whose root holds `index.json` (package purls without version or qualifiers, each with
the `location` of its document) and one OpenVEX document per package, `pkg/conda/<name>/vex.json`.
Statements come from our reports: per CVE and status, the products are the files' purls (the
ones our SBOMs give). Our statuses become OpenVEX ones:

- curated (the channel owner's OpenVEX statement): its status, justification and
  impact/action statement, as the owner wrote them;
- `reported` (matched, not reviewed) and `disputed`: `under_investigation`, with a note.

Everything here is a pure function of its inputs; the same inputs give the same bytes.
"""

from __future__ import annotations

import gzip
import io
import json
import tarfile
from collections.abc import Iterable
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import quote

SPEC_VERSION = "0.1"
OPENVEX_CONTEXT = "https://openvex.dev/ns/v0.2.0"
ARCHIVE_NAME = "vex-repository.tar.gz"
_NOTES = {
    "reported": "matched by version range; not reviewed by the channel owner",
    "disputed": "matched by version range; the CVE record says the CVE is disputed",
}


@dataclass(frozen=True)
class FileStatement:
    """One CVE in one package file, with the file's purl and its status there."""

    vuln_id: str
    aliases: tuple[str, ...]
    purl: str
    status: str  # ours: reported, disputed, active, mitigated, cleared
    vex_status: str | None = None  # the owner's OpenVEX status, when curated
    justification: str | None = None
    detail: str | None = None


def statement(group: tuple, purls: Iterable[str]) -> dict:
    """One OpenVEX statement for a (CVE, aliases, status, vex status, justification, detail)."""
    vuln_id, aliases, status, vex_status, justification, detail = group
    body: dict = {"vulnerability": {"name": vuln_id}}
    if aliases:
        body["vulnerability"]["aliases"] = list(aliases)
    body["products"] = [{"@id": purl} for purl in sorted(set(purls))]
    if vex_status is None:
        body["status"] = "under_investigation"
        body["status_notes"] = _NOTES.get(status, _NOTES["reported"])
        return body
    body["status"] = vex_status
    if justification:
        body["justification"] = justification
    if vex_status == "not_affected" and detail:
        body["impact_statement"] = detail
    elif vex_status == "affected":
        body["action_statement"] = detail or "see the channel owner's advisory"
    elif detail:
        body["status_notes"] = detail
    return body


def package_document(
    name: str, found: Iterable[FileStatement], doc_id: str, author: str, timestamp: str
) -> dict | None:
    """The OpenVEX document of one package, or None when it has no statement."""
    groups: dict[tuple, list[str]] = {}
    for item in found:
        key = (
            item.vuln_id,
            item.aliases,
            item.status,
            item.vex_status,
            item.justification,
            item.detail,
        )
        groups.setdefault(key, []).append(item.purl)
    if not groups:
        return None
    ordered = sorted(groups, key=lambda k: tuple("" if v is None else str(v) for v in k))
    return {
        "@context": OPENVEX_CONTEXT,
        "@id": doc_id,
        "author": author,
        "timestamp": timestamp,
        "version": 1,
        "tooling": "conda-badges",
        "statements": [statement(key, groups[key]) for key in ordered],
    }


def package_id(name: str) -> str:
    """The index id of a conda package: its purl without version, qualifiers or subpath."""
    return f"pkg:conda/{name}"


def location(name: str) -> str:
    """Where a package's document lives in the archive (URL-encoded, forward slashes)."""
    return f"pkg/conda/{quote(name, safe='')}/vex.json"


def repository_files(documents: Mapping[str, dict], updated_at: str) -> dict[str, bytes]:
    """`index.json` and every `pkg/conda/<name>/vex.json`, as bytes, by archive path."""
    names = sorted(documents)
    index = {
        "updated_at": updated_at,
        "packages": [{"id": package_id(n), "location": location(n)} for n in names],
    }
    files = {"index.json": _json(index)}
    files.update({location(n): _json(documents[n]) for n in names})
    return files


def archive(files: Mapping[str, bytes]) -> bytes:
    """A deterministic tar.gz of `files` (fixed times, owners and modes; sorted paths)."""
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for path in sorted(files):
            info = tarfile.TarInfo(path)
            info.size, info.mode, info.mtime = len(files[path]), 0o644, 0
            tar.addfile(info, io.BytesIO(files[path]))
    return gzip.compress(raw.getvalue(), mtime=0)


def manifest(name: str, description: str, url: str, update_interval: str) -> dict:
    """The repository manifest (`.well-known/vex-repository.json`) for one archive URL."""
    return {
        "name": name,
        "description": description,
        "versions": [
            {
                "spec_version": SPEC_VERSION,
                "locations": [{"url": url}],
                "update_interval": update_interval,
            }
        ],
    }


def update_interval(seconds: int) -> str:
    """A Go duration the spec's schema accepts (`<n>m` or `<n>h`, at least 1m)."""
    minutes = max(1, seconds // 60)
    return f"{minutes // 60}h" if minutes % 60 == 0 else f"{minutes}m"


def _json(document: dict) -> bytes:
    return json.dumps(document, indent=2, ensure_ascii=False).encode() + b"\n"
