"""The `/cves` filters: parsed from the query string, applied to a package's CVE list (pure)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC
from datetime import date
from datetime import datetime

from common.errors import InvalidParameter
from vulns.model import STATUSES

DATE_FILTERS = {
    "curated": "curated_at",
    "modified": "modified_at",
    "published": "published_at",
}


@dataclass(frozen=True)
class CveQuery:
    """What a `/cves` request asks for; `None` means "no filter"."""

    score_gte: float | None = None
    score_lte: float | None = None
    name: str | None = None
    statuses: frozenset[str] = frozenset()
    version: str | None = None
    filename: str | None = None
    dates: tuple[tuple[str, datetime | None, datetime | None], ...] = ()


def _score(args: Mapping[str, str], key: str) -> float | None:
    raw = args.get(key)
    if raw is None or raw == "":
        return None
    try:
        value = float(raw)
    except ValueError:
        raise InvalidParameter(f"{key} must be a number from 0 to 10, not {raw[:40]!r}") from None
    if math.isnan(value) or not 0.0 <= value <= 10.0:
        raise InvalidParameter(f"{key} must be a number from 0 to 10, not {raw[:40]!r}")
    return value


def parse_time(raw: str, key: str) -> datetime:
    """An ISO 8601 date (midnight UTC) or date-time (UTC unless it has an offset)."""
    text = raw.strip()
    try:
        if len(text) == 10:
            return datetime.combine(date.fromisoformat(text), datetime.min.time(), UTC)
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise InvalidParameter(
            f"{key} must be an ISO 8601 date or date-time (2024-01-31 or "
            f"2024-01-31T12:00:00Z), not {raw[:40]!r}"
        ) from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def parse_query(args: Mapping[str, str]) -> CveQuery:
    """The filters of a `/cves` request; raises InvalidParameter (400) for a bad value."""
    low, high = _score(args, "score_gte"), _score(args, "score_lte")
    if low is not None and high is not None and low > high:
        raise InvalidParameter("score_gte must not be above score_lte")
    statuses = frozenset(s.strip().lower() for s in (args.get("status") or "").split(",") if s)
    unknown = sorted(statuses - set(STATUSES))
    if unknown:
        raise InvalidParameter(
            f"status must be one or more of {', '.join(STATUSES)} (comma-separated), "
            f"not {unknown[0][:40]!r}"
        )
    name = (args.get("name") or "").strip()
    if len(name) > 100 or any(ord(ch) < 32 for ch in name):
        raise InvalidParameter("name must be at most 100 printable characters")
    dates = []
    for prefix, field in DATE_FILTERS.items():
        after, before = args.get(f"{prefix}_after"), args.get(f"{prefix}_before")
        start = parse_time(after, f"{prefix}_after") if after else None
        end = parse_time(before, f"{prefix}_before") if before else None
        if start is not None and end is not None and start > end:
            raise InvalidParameter(f"{prefix}_after must not be after {prefix}_before")
        if start is not None or end is not None:
            dates.append((field, start, end))
    return CveQuery(
        score_gte=low,
        score_lte=high,
        name=name.upper() or None,
        statuses=statuses,
        version=(args.get("version") or None),
        filename=(args.get("filename") or None),
        dates=tuple(dates),
    )


def _in_dates(item: Mapping, dates) -> bool:
    for field, start, end in dates:
        value = item.get(field)
        if value is None:
            return False
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        if (start is not None and moment < start) or (end is not None and moment >= end):
            return False
    return True


def _matches(item: Mapping, query: CveQuery) -> bool:
    score = item.get("score")
    if query.score_gte is not None and (score is None or score < query.score_gte):
        return False
    if query.score_lte is not None and (score is None or score > query.score_lte):
        return False
    if query.name is not None:
        names = [str(item.get("id", "")), *item.get("aliases", [])]
        if not any(query.name in str(n).upper() for n in names):
            return False
    files = item.get("files") or []
    if query.version is not None and not any(f.get("version") == query.version for f in files):
        return False
    if query.filename is not None and not any(f.get("filename") == query.filename for f in files):
        return False
    if query.statuses and not query.statuses & set(item.get("status_counts") or {}):
        return False
    return _in_dates(item, query.dates)


def apply(items: list[dict], query: CveQuery) -> list[dict]:
    """The items that pass every filter of the query, in their order."""
    return [item for item in items if _matches(item, query)]
