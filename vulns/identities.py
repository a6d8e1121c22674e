"""Which advisories can speak about a conda package: its PyPI, CRAN and CPE identities.

- PyPI: the conda→PyPI mapping (parselmouth's, built into the database, or the channel's own
  `pypi_mapping` file). `null` there means "known not to be a Python package".
- CRAN: `r-<name>` is CRAN's `<name>` (except `r-base`, which is R itself).
- CPE / CVE 5: `NATIVE` below, a small table for native libraries that no ecosystem covers.
  Each entry names the NVD CPE vendor:product and, where known, the CVE 5 vendor/product that
  CNAs use. "verified" entries appear in the recorded records in `data/vulns/`; the others
  are NVD CPE dictionary names. Add a row here (with its evidence) to cover another library.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from vulns.sources.cve5 import cve5_identity
from vulns.sources.nvd import cpe_identity
from vulns.sources.osv import pypi_name


@dataclass(frozen=True)
class Native:
    """The CPE (and CVE 5) names of a native library, with the evidence for them."""

    cpe: tuple[tuple[str, str], ...]
    cve5: tuple[tuple[str, str], ...] = ()
    evidence: str = ""


NATIVE: dict[str, Native] = {
    "zlib": Native((("zlib", "zlib"),), evidence="verified: CVE-2018-25032, CVE-2022-37434 (NVD)"),
    "libzlib": Native((("zlib", "zlib"),), evidence="conda-forge's split of zlib's library"),
    "r-base": Native(
        (("r-project", "r"),),
        (("The R Project", "R"),),
        evidence="CVE 5 vendor/product verified: CVE-2024-27322; CPE from NVD's dictionary",
    ),
    "python": Native((("python", "python"),), evidence="verified: CVE-2018-25032 (NVD)"),
    "openssl": Native((("openssl", "openssl"),), evidence="NVD CPE dictionary"),
    "sqlite": Native((("sqlite", "sqlite"),), evidence="NVD CPE dictionary"),
    "libsqlite": Native((("sqlite", "sqlite"),), evidence="conda-forge's split of sqlite"),
    "libcurl": Native((("haxx", "libcurl"), ("haxx", "curl")), evidence="NVD CPE dictionary"),
    "curl": Native((("haxx", "curl"),), evidence="NVD CPE dictionary"),
    "libxml2": Native((("xmlsoft", "libxml2"),), evidence="NVD CPE dictionary"),
    "libpng": Native((("libpng", "libpng"),), evidence="NVD CPE dictionary"),
    "xz": Native((("tukaani", "xz"),), evidence="NVD CPE dictionary"),
    "expat": Native((("libexpat_project", "libexpat"),), evidence="NVD CPE dictionary"),
    "libexpat": Native((("libexpat_project", "libexpat"),), evidence="NVD CPE dictionary"),
}

# kinds of identity, as the database reports its coverage
KIND_OF_PREFIX = {"pypi": "pypi", "cran": "cran", "cpe": "cpe", "cve5": "cve5"}


def identities(name: str, pypi_lookup: Callable[[str], object]) -> tuple[str, ...]:
    """Every identity of a conda package name (`pypi_lookup` returns a PyPI name or not)."""
    found: list[str] = []
    native = NATIVE.get(name)
    if native is not None:
        found += [cpe_identity(v, p) for v, p in native.cpe]
        found += [cve5_identity(v, p) for v, p in native.cve5]
    if name.startswith("r-") and name != "r-base" and len(name) > 2:
        found.append(f"cran:{name[2:].lower()}")
    pypi = pypi_lookup(name)
    if isinstance(pypi, str) and pypi:
        found.append(f"pypi:{pypi_name(pypi)}")
    return tuple(dict.fromkeys(found))


def kind(identity: str) -> str:
    """The kind of an identity string (`pypi`, `cran`, `cpe` or `cve5`)."""
    return identity.split(":", 1)[0]


def cpe_names(identity_list: tuple[str, ...], version: str) -> list[str]:
    """CPE 2.3 names for a package's CPE identities at `version` (for SPDX security refs)."""
    names = []
    for identity in identity_list:
        if kind(identity) == "cpe":
            _, vendor, product = identity.split(":", 2)
            escaped = version.replace(":", "\\:")
            names.append(f"cpe:2.3:a:{vendor}:{product}:{escaped}:*:*:*:*:*:*:*")
    return names
