"""The one cache key for shared answers: injective over everything that changes an answer.

A key is a canonical encoding of the method, the path, every query item (escaped, grouped by
name with the values in the order given, `token` never included), the SBOM format the SBOM
service will negotiate (never the raw Accept header) and the public base URL the answer is
built on. Every field is percent-escaped, so no value can imitate a separator.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import quote

from common import sbom_negotiation
from common.tokens.extract import QUERY_PARAMETER

SBOM_SUFFIXES = (".cdx.json", ".spdx.json", ".spdx3.json", "/sbom.json")


@dataclass(frozen=True, slots=True)
class RequestFacts:
    """What a shared answer may depend on (see `cache_key`)."""

    method: str
    path: str
    query: tuple[tuple[str, str], ...] = ()
    accept: str | None = None
    base_url: str = ""

    def forwarded_query(self) -> list[tuple[str, str]]:
        """The query items sent on to a service: grouped by name in a stable order, no token."""
        items = [(k, v) for k, v in self.query if k != QUERY_PARAMETER]
        return sorted(items, key=lambda item: item[0])

    def sbom_variant(self) -> str:
        """The negotiated SBOM format (or error) for SBOM URLs; '' for anything else."""
        if not self.path.endswith(SBOM_SUFFIXES):
            return ""
        format_param = next((v for k, v in self.query if k == "format"), None)
        return sbom_negotiation.variant(self.path, format_param, self.accept)


def _escape(text: str) -> str:
    return quote(text, safe="")


@lru_cache(maxsize=8192)  # hot URLs repeat: their keys are computed once per worker
def cache_key(facts: RequestFacts) -> str:
    """The key a shared answer to `facts` is stored under."""
    query = "&".join(f"{_escape(k)}={_escape(v)}" for k, v in facts.forwarded_query())
    fields = (facts.method, facts.path, query, facts.sbom_variant(), facts.base_url)
    return " ".join(_escape(field) for field in fields)
