"""NVD CVE API 2.0 records: single `cve` objects, API responses and yearly feed files.

Configurations become rules on `cpe:<vendor>:<product>` identities, compared in conda's
ordering. The policy for AND configurations (see docs/vulnerabilities.md): the node that
names our product must match; every other node of the AND is a condition. A condition made
only of operating-system CPEs we recognize (Windows, macOS, Linux) holds when the conda file
runs there (its subdir; `noarch` runs everywhere); any other condition (hardware, another
product, a negated node) cannot be judged from a conda file and is taken to hold, so a
possible match is reported rather than missed.
"""

from __future__ import annotations

from collections.abc import Iterator

from vulns.model import SCHEME_CONDA
from vulns.model import MalformedRecord
from vulns.model import Rule
from vulns.model import ScoreCandidate
from vulns.model import SourceRecord
from vulns.sources import cve5
from vulns.sources.common import english
from vulns.sources.common import iso_utc
from vulns.sources.common import references
from vulns.sources.common import require_dict
from vulns.sources.common import text_says_disputed

NVD_SOURCE = "nvd@nist.gov"
_METRICS = ("cvssMetricV40", "cvssMetricV31", "cvssMetricV30", "cvssMetricV2")
ANY_PLATFORM = "any"


def split_cpe(criteria: str) -> list[str]:
    """The 13 fields of a CPE 2.3 formatted string (escaped colons stay in their field)."""
    fields, current, escaped = [], [], False
    for char in criteria:
        if escaped:
            current.append(char)
            escaped = False
        elif char == "\\":
            current.append(char)
            escaped = True
        elif char == ":":
            fields.append("".join(current))
            current = []
        else:
            current.append(char)
    fields.append("".join(current))
    if len(fields) != 13 or fields[0] != "cpe" or fields[1] != "2.3":
        raise MalformedRecord(f"not a CPE 2.3 name: {criteria!r}")
    return fields


def cpe_identity(vendor: str, product: str) -> str:
    """The identity string of a CPE vendor:product."""
    return f"cpe:{vendor.lower()}:{product.lower()}"


def platform_of(fields: list[str]) -> str:
    """`windows`, `macos` or `linux` for OS CPEs we recognize; `any` for everything else."""
    part, vendor, product = fields[2], fields[3].lower(), fields[4].lower()
    if part != "o":
        return ANY_PLATFORM
    if vendor == "microsoft" and product.startswith("windows"):
        return "windows"
    if vendor == "apple" and product in ("mac_os_x", "macos", "mac_os"):
        return "macos"
    if vendor == "linux" and product == "linux_kernel":
        return "linux"
    return ANY_PLATFORM


def _condition(node: dict) -> list[str]:
    """The platforms under which another node of an AND configuration holds."""
    if node.get("negate"):
        return [ANY_PLATFORM]
    platforms = set()
    for match in node.get("cpeMatch") or []:
        if not isinstance(match, dict) or not isinstance(match.get("criteria"), str):
            raise MalformedRecord("a cpeMatch has no criteria")
        platforms.add(platform_of(split_cpe(match["criteria"])))
    if not platforms or ANY_PLATFORM in platforms:
        return [ANY_PLATFORM]
    return sorted(platforms)


def _bound(match: dict, key: str) -> str | None:
    value = match.get(key)
    return str(value) if value not in (None, "") else None


def _match_spec(match: dict, fields: list[str], conditions: list[list[str]]) -> dict:
    version = fields[5]
    exact = None if version in ("*", "-", "") else version.replace("\\", "")
    start_incl, start_excl = (
        _bound(match, "versionStartIncluding"),
        _bound(match, "versionStartExcluding"),
    )
    end_incl, end_excl = _bound(match, "versionEndIncluding"), _bound(match, "versionEndExcluding")
    return {
        "exact": exact,
        "start": start_incl or start_excl,
        "start_incl": start_excl is None,
        "end": end_incl or end_excl,
        "end_incl": end_excl is None,
        "platforms": conditions,
        "target_sw": None if fields[10] in ("*", "-") else fields[10],
    }


def configuration_rules(configurations: object) -> list[Rule]:
    """Rules from NVD `configurations` (see the module docstring for AND nodes)."""
    if not isinstance(configurations, list):
        raise MalformedRecord("configurations is not a list")
    rules: list[Rule] = []
    for number, config in enumerate(configurations):
        config = require_dict(config, f"configurations[{number}]")
        nodes = config.get("nodes")
        if not isinstance(nodes, list):
            raise MalformedRecord(f"configurations[{number}].nodes is not a list")
        nodes = [require_dict(n, f"configurations[{number}] node") for n in nodes]
        anded = str(config.get("operator", "OR")).upper() == "AND" and len(nodes) > 1
        for index, node in enumerate(nodes):
            if node.get("negate"):
                continue
            conditions = (
                [_condition(other) for i, other in enumerate(nodes) if i != index] if anded else []
            )
            conditions = [c for c in conditions if c != [ANY_PLATFORM]]
            for match in node.get("cpeMatch") or []:
                if not isinstance(match, dict) or not isinstance(match.get("criteria"), str):
                    raise MalformedRecord(f"configurations[{number}]: a cpeMatch has no criteria")
                if not match.get("vulnerable"):
                    continue
                fields = split_cpe(match["criteria"])
                rules.append(
                    Rule(
                        cpe_identity(fields[3], fields[4]),
                        SCHEME_CONDA,
                        _match_spec(match, fields, conditions),
                    )
                )
    return rules


def _scores(metrics: object) -> list[ScoreCandidate]:
    found = []
    if not isinstance(metrics, dict):
        return found
    for key in _METRICS:
        for order, metric in enumerate(metrics.get(key) or []):
            if not isinstance(metric, dict):
                continue
            data = metric.get("cvssData") or {}
            vector = data.get("vectorString") if isinstance(data, dict) else None
            if not isinstance(vector, str) or not vector:
                continue
            source = str(metric.get("source") or "")
            primary = metric.get("type") == "Primary"
            rank = (0 if source == NVD_SOURCE else 5) if primary else 10
            label = "NVD" if source == NVD_SOURCE else f"{source} (via NVD)"
            found.append(ScoreCandidate(vector, label, rank + min(order, 4)))
    return found


def _disputed(cve: dict, description: str | None) -> bool:
    for tag in cve.get("cveTags") or []:
        if isinstance(tag, dict) and "disputed" in (tag.get("tags") or []):
            return True
    return text_says_disputed(description)


def parse_nvd_cve(cve: object) -> SourceRecord:
    """One NVD 2.0 `cve` object; raises MalformedRecord when it cannot be read."""
    cve = require_dict(cve, "the record")
    cve_id = cve.get("id")
    if not isinstance(cve_id, str) or not cve_id.startswith("CVE-"):
        raise MalformedRecord("the record has no CVE id")
    description = english(cve.get("descriptions"))
    configurations = cve.get("configurations")
    rules = configuration_rules(configurations) if configurations is not None else []
    fallback: list[Rule] = []
    for block in cve.get("affected") or []:
        if isinstance(block, dict):
            fallback += cve5.affected_rules(block.get("affectedData"))
    return SourceRecord(
        id=cve_id,
        source="NVD",
        url=f"https://nvd.nist.gov/vuln/detail/{cve_id}",
        description=description,
        published=iso_utc(cve.get("published"), field="published"),
        modified=iso_utc(cve.get("lastModified"), field="lastModified"),
        disputed=_disputed(cve, description),
        withdrawn=str(cve.get("vulnStatus", "")).lower() == "rejected",
        scores=_scores(cve.get("metrics")),
        references=references(cve.get("references")),
        rules=rules,
        configured=bool(configurations),
        fallback_rules=fallback,
    )


def nvd_items(document: object) -> Iterator[tuple[str | None, object]]:
    """(id if known, `cve` object) for every CVE in a single record, API response or feed."""
    if isinstance(document, dict) and isinstance(document.get("vulnerabilities"), list):
        items = document["vulnerabilities"]  # API 2.0 responses and NVD's 2.0 feed files
    elif isinstance(document, dict) and isinstance(document.get("cve_items"), list):
        items = document["cve_items"]  # the fkie-cad yearly feed files
    else:
        items = [document]
    for item in items:
        cve = item.get("cve", item) if isinstance(item, dict) else item
        cve_id = cve.get("id") if isinstance(cve, dict) else None
        yield (cve_id if isinstance(cve_id, str) else None), cve
