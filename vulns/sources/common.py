"""Small helpers the source parsers share: dates, text, references, the disputed marker."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC
from datetime import datetime

from vulns.model import MalformedRecord

# How CVE records say a CVE is disputed: MITRE's `** DISPUTED **` prefix, NVD's
# "Note: This has been disputed ..." sentence (CVE-2022-42969), and the `disputed` tag of the
# CVE schema (CNA/ADP `tags`, NVD `cveTags`).
_DISPUTED_TEXT = re.compile(r"\*\*\s*DISPUTED\s*\*\*|\bhas been disputed\b", re.IGNORECASE)


def iso_utc(value: object, *, field: str = "date") -> str | None:
    """A source timestamp as ISO 8601 UTC with `Z` (sources without a zone mean UTC)."""
    if value in (None, ""):
        return None
    if not isinstance(value, str):
        raise MalformedRecord(f"{field} is not a string: {value!r}")
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise MalformedRecord(f"{field} is not an ISO 8601 time: {value!r}") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def text_says_disputed(text: str | None) -> bool:
    """Whether a CVE description marks the CVE as disputed."""
    return bool(text and _DISPUTED_TEXT.search(text))


def english(descriptions: object) -> str | None:
    """The English text of a `[{lang, value}]` list (NVD and CVE 5)."""
    if not isinstance(descriptions, list):
        return None
    for item in descriptions:
        if isinstance(item, dict) and str(item.get("lang", "")).lower().startswith("en"):
            value = item.get("value")
            if isinstance(value, str) and value.strip():
                return value.strip()
    return None


def references(items: object, *, url_key: str = "url") -> list[dict]:
    """`[{url, type?, tags?}]` from a source's reference list, http(s) URLs only."""
    found = []
    if not isinstance(items, list):
        return found
    for item in items:
        if not isinstance(item, dict):
            continue
        url = item.get(url_key)
        if not isinstance(url, str) or not url.startswith(("http://", "https://")):
            continue
        entry: dict = {"url": url}
        if isinstance(item.get("type"), str):
            entry["type"] = item["type"]
        tags = item.get("tags")
        if isinstance(tags, list) and all(isinstance(t, str) for t in tags) and tags:
            entry["tags"] = list(tags)
        found.append(entry)
    return found


def strings(value: object) -> tuple[str, ...]:
    """A list of strings as a tuple (anything else: empty)."""
    if not isinstance(value, list):
        return ()
    return tuple(v.strip() for v in value if isinstance(v, str) and v.strip())


def require_dict(value: object, what: str) -> dict:
    """`value` when it is a JSON object, else MalformedRecord naming `what`."""
    if not isinstance(value, dict):
        raise MalformedRecord(f"{what} is not an object")
    return value


def first(values: Iterable[str | None]) -> str | None:
    """The first value that is not None or empty."""
    return next((v for v in values if v), None)
