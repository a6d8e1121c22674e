"""Source parsers: OSV, NVD 2.0 and CVE 5 documents in their own published formats."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from vulns.model import MalformedRecord
from vulns.model import SourceRecord
from vulns.sources.cve5 import parse_cve5
from vulns.sources.documents import documents
from vulns.sources.nvd import nvd_items
from vulns.sources.nvd import parse_nvd_cve
from vulns.sources.osv import parse_osv

KINDS = ("osv", "nvd", "cve5")


@dataclass(frozen=True)
class Problem:
    """A record that was skipped: where it was and why."""

    name: str
    reason: str

    def __str__(self) -> str:
        return f"{self.name}: {self.reason}"


def read_source(kind: str, path: Path) -> Iterator[SourceRecord | Problem]:
    """Every record of `kind` at `path`, or a Problem for each one that cannot be read."""
    for name, document in documents(path):
        if isinstance(document, Exception):
            yield Problem(name, f"not valid JSON/YAML ({_short(document)})")
            continue
        if kind == "nvd":
            for cve_id, cve in nvd_items(document):
                where = f"{name}#{cve_id}" if cve_id and cve is not document else name
                try:
                    yield parse_nvd_cve(cve)
                except (MalformedRecord, TypeError, ValueError, AttributeError) as error:
                    yield Problem(where, f"not an NVD 2.0 CVE record ({_short(error)})")
            continue
        parse = parse_osv if kind == "osv" else parse_cve5
        label = "an OSV record" if kind == "osv" else "a CVE 5 record"
        try:
            yield parse(document)
        except (MalformedRecord, TypeError, ValueError, AttributeError) as error:
            yield Problem(name, f"not {label} ({_short(error)})")


def _short(error: Exception) -> str:
    text = str(error).splitlines()[0] if str(error) else type(error).__name__
    return text[:200]
