"""Which SBOM format a request asks for: URL suffix, `?format=`, or the Accept header.

Shared by the SBOM service (which answers in that format) and the gateway (whose cache key
holds the format the service will choose, never the raw Accept header).
"""

from __future__ import annotations

from dataclasses import dataclass

from common.errors import InvalidParameter
from common.errors import NotAcceptable

CDX_TYPE = "application/vnd.cyclonedx+json"
SPDX_TYPE = "application/spdx+json"


@dataclass(frozen=True)
class Format:
    """One SBOM format we generate."""

    key: str  # the `?format=` value
    family: str  # cyclonedx | spdx
    version: str
    media_type: str
    extension: str


CDX_16 = Format("cyclonedx", "cyclonedx", "1.6", f"{CDX_TYPE}; version=1.6", "cdx.json")
CDX_15 = Format("cyclonedx-1.5", "cyclonedx", "1.5", f"{CDX_TYPE}; version=1.5", "cdx.json")
SPDX_23 = Format("spdx", "spdx", "2.3", SPDX_TYPE, "spdx.json")
SPDX_301 = Format("spdx3", "spdx3", "3.0.1", f"{SPDX_TYPE}; version=3.0.1", "spdx3.json")
FORMATS = (CDX_16, CDX_15, SPDX_23, SPDX_301)
BY_KEY = {f.key: f for f in FORMATS} | {
    "cyclonedx-1.6": CDX_16,
    "spdx-2.3": SPDX_23,
    "spdx-3.0.1": SPDX_301,
}
DEFAULT = {"cyclonedx": CDX_16, "spdx": SPDX_23, "spdx3": SPDX_301, None: CDX_16}


def offered(family: str | None = None) -> list[str]:
    """The media types we offer (for one family, or all)."""
    return [f.media_type for f in FORMATS if family in (None, f.family)]


def _ranges(accept: str) -> list[tuple[float, int, str, dict[str, str]]]:
    """(q, position, media range, parameters) for each item of an Accept header."""
    items = []
    for position, item in enumerate(accept.split(",")):
        media, *raw = (part.strip() for part in item.split(";"))
        if not media:
            continue
        params = {}
        for pair in raw:
            name, _, value = pair.partition("=")
            params[name.strip().lower()] = value.strip().strip('"')
        try:
            q = float(params.pop("q", "1"))
        except ValueError:
            q = 0.0
        items.append((q, position, media.lower(), params))
    return items


def _match(media: str, params: dict[str, str], family: str | None) -> Format | None:
    """The format one media range selects, or None."""
    version = params.get("version")
    if media == CDX_TYPE:
        found = {"1.6": CDX_16, "1.5": CDX_15, None: CDX_16}.get(version)
    elif media == SPDX_TYPE:
        found = {None: SPDX_23, "2.3": SPDX_23, "SPDX-2.3": SPDX_23, "3.0.1": SPDX_301}.get(version)
    elif media in ("*/*", "application/*", "application/json"):
        found = DEFAULT[family]
    else:
        found = None
    if found is not None and family is not None and found.family != family:
        return None
    return found


def from_accept(accept: str | None, family: str | None = None) -> Format:
    """The best format for an Accept header (highest q, then the header's order)."""
    if not accept or not accept.strip():
        return DEFAULT[family]
    candidates = []
    for q, position, media, params in _ranges(accept):
        found = _match(media, params, family)
        if found is not None and q > 0:
            candidates.append((-q, position, found))
    if not candidates:
        raise NotAcceptable(
            "none of the accepted media types is a format we offer",
            details={"offered": offered(family)},
        )
    return min(candidates, key=lambda c: (c[0], c[1]))[2]


def from_parameter(value: str, family: str | None = None) -> Format:
    """The format named by `?format=`."""
    found = BY_KEY.get(value.strip().lower())
    allowed = sorted(k for k, f in BY_KEY.items() if family in (None, f.family))
    if found is None or (family is not None and found.family != family):
        raise InvalidParameter(
            f"format must be one of {', '.join(allowed)}",
            details={"offered": allowed},
        )
    return found


def choose(family: str | None, format_param: str | None, accept: str | None) -> Format:
    """The format for a request: `?format=` wins, then (for `/sbom.json`) Accept."""
    if format_param:
        return from_parameter(format_param, family)
    if family == "cyclonedx" and _wants_version(accept):
        return from_accept(accept, family)
    if family is not None:
        return DEFAULT[family]
    return from_accept(accept)


def _wants_version(accept: str | None) -> bool:
    """Whether an Accept header names a CycloneDX version (honoured by `.cdx.json` too)."""
    return bool(accept) and "version=" in accept and CDX_TYPE in accept.lower()


# every SBOM document URL ends with one of these (signed or not), and the format family it
# fixes (None: Accept or `?format=` chooses); the one rule shared caches key documents by
SBOM_SUFFIXES = {
    ".cdx.json": "cyclonedx",
    ".cdx.intoto.json": "cyclonedx",
    ".spdx.json": "spdx",
    ".spdx.intoto.json": "spdx",
    ".spdx3.json": "spdx3",
    ".spdx3.intoto.json": "spdx3",
    "/sbom.json": None,
}


def is_sbom_document(path: str) -> bool:
    """Whether `path` is an SBOM document URL (any suffix of SBOM_SUFFIXES)."""
    return path.endswith(tuple(SBOM_SUFFIXES))


def family_of(path: str) -> str | None:
    """The format family an SBOM URL's suffix fixes (`.cdx.json`, `.spdx3.intoto.json`, …),
    else None."""
    for suffix, family in SBOM_SUFFIXES.items():
        if path.endswith(suffix):
            return family
    return None


def variant(path: str, format_param: str | None, accept: str | None) -> str:
    """The format the SBOM service will answer `path` in (its `key`), or the name of the
    error it will answer instead: what a shared cache must key SBOM answers on."""
    try:
        return choose(family_of(path), format_param, accept).key
    except (NotAcceptable, InvalidParameter) as error:
        return f"error:{error.code}"
