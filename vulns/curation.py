"""A channel owner's curation: an OpenVEX document mapped to Anaconda's CVE statuses.

- `not_affected` with `component_not_present`, `vulnerable_code_not_present` or no
  justification (an impact statement only): `cleared`, the CVE does not apply;
- `not_affected` with `vulnerable_code_not_in_execute_path`,
  `vulnerable_code_cannot_be_controlled_by_adversary` or `inline_mitigations_already_exist`:
  `mitigated`, the code is there but cannot be exploited;
- `affected`: `active`;
- `fixed`: `mitigated` (fixed in this build, e.g. by a patch, as Anaconda's `vulns_mitigated`);
- `under_investigation`: `reported` (still unreviewed).

Products are purls: `pkg:conda/<name>[@<version>][?build=..&subdir=..&type=conda|tar.bz2]`.
A qualifier given must equal the file's; one left out matches any (`channel` is ignored: the
document belongs to one channel). For one CVE and file, the statement with the latest
timestamp wins (a later statement in the document wins a tie), as OpenVEX says.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from packageurl import PackageURL

from vulns.model import FileRef
from vulns.sources.common import iso_utc

VEX_STATUSES = ("not_affected", "affected", "fixed", "under_investigation")
CLEARING = frozenset({"component_not_present", "vulnerable_code_not_present"})
MITIGATING = frozenset(
    {
        "vulnerable_code_not_in_execute_path",
        "vulnerable_code_cannot_be_controlled_by_adversary",
        "inline_mitigations_already_exist",
    }
)
_MATCHED_QUALIFIERS = ("build", "subdir", "type")


class CurationError(ValueError):
    """The channel's OpenVEX document cannot be used (the message says where and why)."""


@dataclass(frozen=True)
class Product:
    """A conda product named by a purl."""

    name: str
    version: str | None
    qualifiers: tuple[tuple[str, str], ...]

    def matches(self, file: FileRef) -> bool:
        """Whether this product names the file."""
        if self.name != file.name.lower():
            return False
        if self.version is not None and self.version != file.version:
            return False
        actual = {
            "build": file.build,
            "subdir": file.subdir,
            "type": "conda" if file.filename.endswith(".conda") else "tar.bz2",
        }
        return all(actual[key] == value for key, value in self.qualifiers)


@dataclass(frozen=True)
class Decision:
    """What the curation says about one CVE in one file."""

    status: str  # active, mitigated, cleared or reported
    vex_status: str
    justification: str | None
    detail: str | None
    timestamp: str | None
    order: int


def status_for(vex_status: str, justification: str | None) -> str:
    """Our status for an OpenVEX status and justification (see the module's table)."""
    if vex_status == "not_affected":
        return "mitigated" if justification in MITIGATING else "cleared"
    return {"affected": "active", "fixed": "mitigated"}.get(vex_status, "reported")


def _product(raw: object, where: str) -> Product | None:
    purl = raw.get("@id") if isinstance(raw, dict) else raw
    if isinstance(raw, dict) and not (isinstance(purl, str) and purl.startswith("pkg:")):
        purl = (raw.get("identifiers") or {}).get("purl") or purl
    if not isinstance(purl, str):
        raise CurationError(f"{where}: a product has no purl")
    try:
        parsed = PackageURL.from_string(purl)
    except ValueError as error:
        raise CurationError(f"{where}: product {purl!r} is not a purl ({error})") from None
    if parsed.type != "conda":
        return None  # a product of another ecosystem: not about this channel's files
    qualifiers = parsed.qualifiers if isinstance(parsed.qualifiers, dict) else {}
    return Product(
        name=parsed.name.lower(),
        version=parsed.version,
        qualifiers=tuple(sorted((k, v) for k, v in qualifiers.items() if k in _MATCHED_QUALIFIERS)),
    )


@dataclass(frozen=True)
class Statement:
    """One OpenVEX statement, for the CVE ids it names and the products it lists."""

    ids: frozenset[str]
    products: tuple[Product, ...]
    decision: Decision


def parse_openvex(document: object, name: str = "OpenVEX document") -> list[Statement]:
    """The statements of an OpenVEX document; raises CurationError naming what is wrong."""
    if not isinstance(document, dict) or not isinstance(document.get("statements"), list):
        raise CurationError(f"{name}: not an OpenVEX document (no statements list)")
    try:
        default_time = iso_utc(document.get("timestamp"), field="timestamp")
    except ValueError as error:
        raise CurationError(f"{name}: {error}") from None
    statements = []
    for index, raw in enumerate(document["statements"]):
        where = f"{name}: statements[{index}]"
        if not isinstance(raw, dict):
            raise CurationError(f"{where} is not an object")
        vulnerability = raw.get("vulnerability")
        if isinstance(vulnerability, str):
            vulnerability = {"name": vulnerability}
        if not isinstance(vulnerability, dict) or not isinstance(vulnerability.get("name"), str):
            raise CurationError(f"{where}: vulnerability.name is missing")
        ids = {vulnerability["name"].strip().upper()}
        ids |= {a.strip().upper() for a in vulnerability.get("aliases") or [] if isinstance(a, str)}
        status = raw.get("status")
        if status not in VEX_STATUSES:
            raise CurationError(f"{where}: status must be one of {', '.join(VEX_STATUSES)}")
        justification = raw.get("justification")
        if justification is not None and justification not in CLEARING | MITIGATING:
            raise CurationError(f"{where}: unknown justification {justification!r}")
        impact, action = raw.get("impact_statement"), raw.get("action_statement")
        if status == "not_affected" and not (justification or impact):
            raise CurationError(f"{where}: not_affected needs a justification or impact_statement")
        products = [_product(p, where) for p in raw.get("products") or []]
        if not products:
            raise CurationError(f"{where}: no products")
        try:
            timestamp = iso_utc(raw.get("timestamp"), field="timestamp") or default_time
        except ValueError as error:
            raise CurationError(f"{where}: {error}") from None
        decision = Decision(
            status=status_for(status, justification),
            vex_status=status,
            justification=justification,
            detail=impact or action,
            timestamp=timestamp,
            order=index,
        )
        statements.append(
            Statement(frozenset(ids), tuple(p for p in products if p is not None), decision)
        )
    return statements


class Curation:
    """A channel's statements, looked up by CVE id or alias and matched to files."""

    def __init__(self, statements: Iterable[Statement] = (), source: str = ""):
        self.source = source
        self._by_id: dict[str, list[Statement]] = {}
        for statement in statements:
            for vuln_id in statement.ids:
                self._by_id.setdefault(vuln_id, []).append(statement)

    def __bool__(self) -> bool:
        return bool(self._by_id)

    def decide(self, vuln_ids: Iterable[str], file: FileRef) -> Decision | None:
        """The winning decision for a CVE (any of its ids) in a file, or None."""
        best: Decision | None = None
        seen: set[int] = set()
        for vuln_id in vuln_ids:
            for statement in self._by_id.get(vuln_id.upper(), ()):
                if id(statement) in seen or not any(p.matches(file) for p in statement.products):
                    continue
                seen.add(id(statement))
                decision = statement.decision
                if best is None or (decision.timestamp or "", decision.order) >= (
                    best.timestamp or "",
                    best.order,
                ):
                    best = decision
        return best


def load_curation(path: Path) -> Curation:
    """A channel's OpenVEX file; raises CurationError when it cannot be read or used."""
    try:
        document = json.loads(path.read_bytes())
    except (OSError, ValueError) as error:
        raise CurationError(f"{path}: cannot read it as JSON ({error})") from None
    return Curation(parse_openvex(document, str(path)), str(path))
