"""Which advisories can speak about a conda package: its PyPI, CRAN and CPE identities.

- PyPI: the conda→PyPI mapping (parselmouth's, built into the database, or the channel's own
  `pypi_mapping` file). `null` there means "known not to be a Python package".
- CRAN: `r-<name>` is CRAN's `<name>` (except `r-base`, which is R itself).
- CPE / CVE 5: the bridge in `vulns/bridge.toml` (see `vulns.natives`): rows for native
  libraries that no ecosystem covers, each naming the NVD CPE vendor:product and, where CNAs
  use another, the CVE 5 vendor/product, with the evidence for them. Add a row (with its
  evidence) there to cover another library.
"""

from __future__ import annotations

from collections.abc import Callable

from vulns.natives import Native
from vulns.natives import default_bridge
from vulns.sources.cve5 import cve5_identity
from vulns.sources.nvd import cpe_identity
from vulns.sources.osv import pypi_name


def __getattr__(name: str) -> dict[str, Native]:
    """`NATIVE`: the bridge's rows by conda name, read on first use."""
    if name == "NATIVE":
        return default_bridge().natives
    raise AttributeError(name)


# kinds of identity, as the database reports its coverage
KIND_OF_PREFIX = {"pypi": "pypi", "cran": "cran", "cpe": "cpe", "cve5": "cve5"}


def identities(name: str, pypi_lookup: Callable[[str], object]) -> tuple[str, ...]:
    """Every identity of a conda package name (`pypi_lookup` returns a PyPI name or not)."""
    found: list[str] = []
    native = default_bridge().natives.get(name)
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
