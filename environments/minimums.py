"""The regulators' minimum elements (BSI TR-03183-2, CISA 2024) of a locked package, as far as a
lockfile can give them (pure; the environment writers share these answers).

The rules are those of services/sbom/minimums.py for package files; what only a package's
archive can give (its license texts, hence a concluded license and copyright texts; a SHA-512 of
the file) is not in a lockfile, and each answer says so. See docs/sbom-minimums.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from posixpath import basename
from urllib.parse import urlsplit

from services.sbom.minimums import Answer
from services.sbom.minimums import contact_of

PYPI_URL = "https://pypi.org"
NOT_READ = "the lockfile does not carry the package's archive, which is not downloaded"
CONCLUDED = (
    "no concluded license: the rule (the declared SPDX expression when the package ships "
    f"license texts) needs the shipped texts, and {NOT_READ}"
)
COPYRIGHT = f"no copyright text: statements are found in the shipped license texts, and {NOT_READ}"
SHA512 = "no SHA-512: a lockfile records SHA-256 (and MD5) only, and " + NOT_READ
NO_FILE = "no distribution file name: the lockfile gives no URL (a local source package)"
NO_SUPPLIER_URL = "no supplier URL: the package's channel has no http(s) URL (a local channel)"


@dataclass(frozen=True)
class Creator:
    """The SBOM's creator: a name and an email or URL (SBOM_CREATOR_NAME / _CONTACT)."""

    name: str = "conda-badges"
    email: str | None = None
    url: str | None = None

    @classmethod
    def of(cls, name: str, contact: str | None, public_url: str | None) -> Creator:
        """The creator from the settings' name, contact and public URL (the contact's default)."""
        return cls(name or "conda-badges", *contact_of(contact, public_url))


DEFAULT_CREATOR = Creator()


def filename(row: dict) -> Answer:
    """The package's distribution file name: the lock's, else its URL's last part."""
    name = row.get("filename") or basename(urlsplit(row.get("url") or "").path)
    return Answer(name) if name else Answer(None, NO_FILE)


def supplier_url(row: dict) -> Answer:
    """The supplier's URL: PyPI's, or the channel subdir's (the package URL's folder), as for
    package files."""
    if row["kind"] == "pypi":
        return Answer(PYPI_URL)
    url = row.get("url") or ""
    if not url.startswith(("http://", "https://")):
        return Answer(None, NO_SUPPLIER_URL)
    return Answer(url.rsplit("/", 1)[0])


def gaps(row: dict) -> dict[str, str]:
    """element -> the reason a lockfile cannot give it, for one locked package."""
    found = {"concluded": CONCLUDED, "copyright": COPYRIGHT, "sha512": SHA512}
    if filename(row).value is None:
        found["filename"] = NO_FILE
    if supplier_url(row).value is None:
        found["creator"] = NO_SUPPLIER_URL
    return found


def statement(row: dict) -> str:
    """The reasons of a package's gaps, as one sentence for a comment field."""
    return "; ".join(gaps(row).values())
