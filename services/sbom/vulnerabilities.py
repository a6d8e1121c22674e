"""What both SBOM formats read from a `/cves` item for one file (the status there)."""

from __future__ import annotations

from collections.abc import Mapping


def file_status(cve: Mapping, file: Mapping) -> Mapping:
    """The CVE's entry for this file (status, curation), else the CVE's own status.

    Files are matched by name and subdir: win-32 and win-64 builds share file names.
    """
    for entry in cve.get("files") or ():
        if (
            isinstance(entry, Mapping)
            and entry.get("filename") == file.get("filename")
            and entry.get("subdir", file.get("subdir")) == file.get("subdir")
        ):
            return entry
    return {"status": cve.get("status")}
