"""License strings as published by conda packages, normalized to SPDX where that is sound."""

from __future__ import annotations

import re
import threading
from functools import lru_cache

from license_expression import ExpressionError
from license_expression import get_spdx_licensing

_LICENSING = get_spdx_licensing()
# license-expression's Licensing objects are not thread-safe while they build their lookup
# tables on first use: concurrent first parses fail at random, and a cached answer of "not
# SPDX" then sticks for the life of the worker (two workers answered "Zlib" and None for the
# same license, so two SBOM workers wrote different bytes for one file). Every parse, here and
# in the SBOM writers (which use the libraries' own Licensing objects), holds this lock.
LICENSING_LOCK = threading.RLock()

# Bare family names say too little to pick one SPDX id (which GPL? which BSD?).
_AMBIGUOUS = {"gpl", "lgpl", "agpl", "bsd", "apache", "mpl", "various", "other", "unknown"}

# R and conda spellings seen in real channels (e.g. Anaconda's r channel), in SPDX terms.
_RULES: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"^(A|L)?GPL \(>= ?(\d)(?:\.(\d))?\)$", re.I), "or-later"),
    (re.compile(r"^(A|L)?GPL-?v?(\d)(?:\.(\d))?$", re.I), "only"),
    (re.compile(r"^(A|L)?GPL version (\d)(?:\.(\d))?$", re.I), "only"),
    (re.compile(r"^GNU General Public License v(\d) or later \(GPLv\d\+\)$", re.I), "gnu-later"),
]
_ALIASES = {
    "apache license 2.0": "Apache-2.0",
    "apache license (== 2.0)": "Apache-2.0",
    "apache 2.0": "Apache-2.0",
    "apache-2": "Apache-2.0",
    "apache 2": "Apache-2.0",
    "apache software license": "Apache-2.0",
    "bsd_3_clause": "BSD-3-Clause",
    "bsd 3-clause": "BSD-3-Clause",
    "bsd-3": "BSD-3-Clause",
    "3-clause bsd": "BSD-3-Clause",
    "new bsd": "BSD-3-Clause",
    "modified bsd license (3-clause)": "BSD-3-Clause",
    "bsd_2_clause": "BSD-2-Clause",
    "bsd 2-clause": "BSD-2-Clause",
    "bsd-2": "BSD-2-Clause",
    "cc0": "CC0-1.0",
    "psf": "PSF-2.0",
    "public domain": "LicenseRef-Public-Domain",
    "lucent public license": "LPL-1.02",
}
# "+ file LICENSE" (R) adds the copyright holder's file to the named license; it does not
# change which license it is.
_FILE_SUFFIX = re.compile(r"\s*\+\s*file\s+LICEN[CS]E\s*$", re.I)


def _gpl_id(family: str | None, major: str, minor: str | None, suffix: str) -> str | None:
    prefix = {None: "GPL", "": "GPL", "l": "LGPL", "a": "AGPL"}[(family or "").lower() or None]
    if prefix == "LGPL" and major == "2" and minor == "1":
        version = "2.1"
    elif minor not in (None, "0"):
        return None
    else:
        version = f"{major}.0"
    candidate = f"{prefix}-{version}-{suffix}"
    return candidate if _is_known(candidate) else None


def _is_known(expression: str) -> bool:
    try:
        parsed = _LICENSING.parse(expression, validate=False, strict=False)
    except ExpressionError:
        return False
    return parsed is not None and not _LICENSING.unknown_license_keys(parsed)


def _normalize_alternative(text: str) -> str | None:
    text = _FILE_SUFFIX.sub("", text).strip()
    lowered = text.lower()
    if not text or lowered in _AMBIGUOUS:
        return None
    if lowered in _ALIASES:
        return _ALIASES[lowered]
    for pattern, kind in _RULES:
        match = pattern.match(text)
        if not match:
            continue
        if kind == "gnu-later":
            return _gpl_id(None, match.group(1), None, "or-later")
        return _gpl_id(match.group(1), match.group(2), match.group(3), kind)
    if not _is_known(text):
        return None
    parsed = _LICENSING.parse(text, validate=False, strict=False)
    return str(parsed.render())


@lru_cache(maxsize=8192)
def normalize_spdx(license_text: str | None) -> str | None:
    """The SPDX id or expression for a published license string, or None when it is unclear."""
    if not license_text or not license_text.strip() or license_text.strip() == "None":
        return None
    with LICENSING_LOCK:
        return _normalize(license_text)


def _normalize(license_text: str) -> str | None:
    alternatives = [part.strip() for part in license_text.split("|")]
    normalized = [_normalize_alternative(part) for part in alternatives]
    if any(item is None for item in normalized):
        return None
    unique = list(dict.fromkeys(normalized))
    if len(unique) == 1:
        return unique[0]
    return " OR ".join(f"({item})" if " " in item else item for item in unique)
