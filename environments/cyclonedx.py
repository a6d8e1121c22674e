"""CycloneDX 1.6 / 1.5 JSON for one environment and platform (pure: report dict -> text).

Written as plain JSON rather than through cyclonedx-python-lib's model: the model's
dependency registration and sorted sets take seconds for a thousand components (measured
with `make bench`), where this takes milliseconds. The library still classifies licenses
(`cyclonedx.spdx`), and the tests validate every document against the strict schemas.
"""

from __future__ import annotations

import json

from cyclonedx.spdx import fixup_id
from cyclonedx.spdx import is_expression

from environments.identity import ROOT_REF
from environments.identity import document_time
from environments.identity import serial
from environments.identity import supplier
from environments.minimums import DEFAULT_CREATOR
from environments.minimums import Creator
from environments.minimums import gaps
from services.sbom.contents_cdx import file_hashes
from services.sbom.contents_cdx import file_properties

SCHEMAS = {
    "1.6": "http://cyclonedx.org/schema/bom-1.6.schema.json",
    "1.5": "http://cyclonedx.org/schema/bom-1.5.schema.json",
}
STATES = {
    "reported": "in_triage",
    "active": "exploitable",
    "mitigated": "resolved",
    "cleared": "not_affected",
    "disputed": "in_triage",
}
JUSTIFICATIONS = {
    "component_not_present": "code_not_present",
    "vulnerable_code_not_present": "code_not_present",
    "vulnerable_code_not_in_execute_path": "code_not_reachable",
    "vulnerable_code_cannot_be_controlled_by_adversary": "protected_by_mitigating_control",
    "inline_mitigations_already_exist": "protected_by_mitigating_control",
}
MISSING = {  # the property names the package-file SBOMs use for a missing minimum element
    "concluded": "conda:license:concluded-none",
    "copyright": "conda:copyright:none",
    "sha512": "conda:package:sha512-none",
    "filename": "conda:package:filename-none",
    "creator": "conda:supplier:url-none",
}
METHODS = {"2.0": "CVSSv2", "3.0": "CVSSv3", "3.1": "CVSSv31", "4.0": "CVSSv4"}
SEVERITIES = ("critical", "high", "medium", "low", "info", "none", "unknown")


def _properties(pairs) -> list[dict]:
    return [{"name": n, "value": str(v)} for n, v in pairs if v not in (None, "", [])]


def _licenses(text: str | None, spec_version: str) -> list[dict]:
    """An SPDX id, an SPDX expression, else the license's name as the lock gives it
    (`acknowledgement: declared` from CycloneDX 1.6 on)."""
    if not text or not text.strip():
        return []
    declared = {"acknowledgement": "declared"} if spec_version != "1.5" else {}
    known = fixup_id(text.strip())
    if known:
        return [{"license": {"id": known, **declared}}]
    if is_expression(text):
        return [{"expression": text.strip(), **declared}]
    return [{"license": {"name": text.strip(), **declared}}]


def _component(row: dict, spec_version: str) -> dict:
    hashes = [{"alg": "SHA-256", "content": row["sha256"]}] if row["sha256"] else []
    hashes += [{"alg": "MD5", "content": row["md5"]}] if row["md5"] else []
    component = {
        "type": "library",
        "bom-ref": row["key"],
        "supplier": {"name": supplier(row)},
        "name": row["name"],
        "version": row["version"],
        "hashes": hashes,
        "licenses": _licenses(row["license"], spec_version),
        "purl": row["purls"][0],
        "properties": _properties(
            [
                ("conda-badges:coverage", "covered" if row["covered"] else "not-tracked"),
                ("conda-badges:coverage:identities", ", ".join(row["identities"])),
                ("conda-badges:coverage:reason", row["coverage_reason"]),
                ("conda-badges:purl:secondary", ", ".join(row["purls"][1:])),
                ("conda-badges:facts-from", row["origin"]),
                ("conda-badges:channel", row["channel"]),
                ("conda-badges:note", row["note"]),
                ("conda-badges:url", row["url"]),
                ("conda-badges:unresolved-depends", ", ".join(row["unresolved_depends"])),
                *_files_properties(row),
                *((MISSING[kind], why) for kind, why in gaps(row).items()),
            ]
        ),
        "components": _file_components(row),
    }
    return {k: v for k, v in component.items() if v not in ([], None)}


def _files_properties(row: dict) -> list[tuple[str, object]]:
    """Whether the package's files were expanded (`?files=true`), and why not."""
    files = row.get("files")
    if files is None:
        return []
    return [
        ("conda-badges:files", "expanded" if files["expanded"] else "not-expanded"),
        ("conda-badges:files:reason", files["reason"]),
    ]


def _file_components(row: dict) -> list[dict]:
    """The package's shipped files (paths.json paths), nested under its component."""
    return [
        {
            "type": "file",
            "bom-ref": f"{row['key']}#file:{entry['path']}",
            "name": entry["path"],
            "hashes": [{"alg": alg.value, "content": d} for alg, d in file_hashes(entry)],
            "properties": _properties(file_properties(entry)),
        }
        for entry in (row.get("files") or {}).get("paths", ())
    ]


def _vulnerability(cve: dict, row: dict) -> dict:
    rating = {"score": cve["score"], "severity": cve["severity"]}
    if cve["severity"] not in SEVERITIES:
        rating["severity"] = "unknown"
    if cve["score_version"] in METHODS:
        rating["method"] = METHODS[cve["score_version"]]
    if cve["vector"]:
        rating["vector"] = cve["vector"]
    analysis = {"state": STATES.get(cve["status"], "in_triage")}
    if cve["justification"] in JUSTIFICATIONS:
        analysis["justification"] = JUSTIFICATIONS[cve["justification"]]
    analysis["detail"] = cve["detail"] or f"status {cve['status']}"
    vulnerability = {
        "bom-ref": f"vulnerability:{cve['id']}:{row['key']}",
        "id": cve["id"],
        "source": {"name": "NVD"} if cve["id"].startswith("CVE-") else None,
        "ratings": [rating] if cve["score"] is not None else [],
        "description": cve["summary"] or None,
        "analysis": analysis,
        "affects": [{"ref": row["key"]}],
        "properties": _properties(
            [
                ("conda:cve:status", cve["status"]),
                ("conda:cve:fixed-in", ", ".join(cve["fixed_in"])),
                ("conda:cve:aliases", ", ".join(cve["aliases"])),
                ("conda:cve:curated-at", cve["curated_at"]),
            ]
        ),
    }
    url = str(cve["url"] or "")
    if vulnerability["source"] and url.startswith(("https://", "http://")):
        vulnerability["source"]["url"] = url
    return {k: v for k, v in vulnerability.items() if v not in ([], None)}


def _creator(creator: Creator, spec_version: str) -> dict:
    """`authors` (and from CycloneDX 1.6 `manufacturer`): the SBOM's creator and contact."""
    contact = {k: v for k, v in (("name", creator.name), ("email", creator.email)) if v}
    made = {"authors": [contact]}
    if spec_version != "1.5":
        made["manufacturer"] = {"name": creator.name, "contact": [contact]}
        made["manufacturer"] |= {"url": [creator.url]} if creator.url else {}
    return made


def _metadata(report: dict, creator: Creator, spec_version: str) -> dict:
    summary, database, lock = report["summary"], report["database"], report["lockfile"]
    root = {
        "type": "application",
        "bom-ref": ROOT_REF,
        "supplier": {"name": "the lockfile's author"},
        "name": f"environment {report['environment']} ({report['platform']})",
        "version": lock["sha256"][:12],
        "hashes": [{"alg": "SHA-256", "content": lock["sha256"]}],
        "properties": _properties(
            [
                ("conda-badges:lockfile:sha256", lock["sha256"]),
                ("conda-badges:lockfile:format", lock["format"]),
                ("conda-badges:vulns-database:version", database["version"]),
                ("conda-badges:vulns-database:digest", database["digest"]),
                ("conda-badges:coverage:covered", summary["covered"]),
                ("conda-badges:coverage:not-tracked", summary["not_tracked"]),
                ("conda-badges:verdict", summary["verdict"]),
            ]
        ),
    }
    return {
        "timestamp": document_time(report).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "tools": {"components": [{"type": "application", "name": "conda-badges environments"}]},
        "component": root,
        **_creator(creator, spec_version),
    }


def build_document(
    report: dict, spec_version: str = "1.6", creator: Creator = DEFAULT_CREATOR
) -> dict:
    """The CycloneDX document of the environment as a JSON-ready dict."""
    rows = report["packages"]
    document = {
        "$schema": SCHEMAS[spec_version],
        "bomFormat": "CycloneDX",
        "specVersion": spec_version,
        "serialNumber": f"urn:uuid:{serial(report, 'cyclonedx')}",
        "version": 1,
        "metadata": _metadata(report, creator, spec_version),
        "components": [_component(row, spec_version) for row in rows],
        "dependencies": [{"ref": ROOT_REF, "dependsOn": [row["key"] for row in rows]}]
        + [{"ref": row["key"], "dependsOn": row["depends"]} for row in rows],
    }
    vulnerabilities = [_vulnerability(c, row) for row in rows for c in row["cves"]]
    if vulnerabilities:
        document["vulnerabilities"] = vulnerabilities
    return document


def render_cyclonedx(
    report: dict, spec_version: str = "1.6", creator: Creator = DEFAULT_CREATOR
) -> str:
    """The CycloneDX JSON text of the environment (`spec_version` 1.6 or 1.5)."""
    document = build_document(report, spec_version, creator)
    return json.dumps(document, indent=2, ensure_ascii=False)
