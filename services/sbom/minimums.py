"""The regulators' minimum elements of one package file, as facts the writers share (pure).

BSI TR-03183-2 and CISA's 2024 minimums ask for a concluded (distribution) license, copyright
texts, a SHA-512 of the deployable file, the SBOM creator's contact and each file's
executable / archive / structured property. Each function answers with the value, or None and
the reason it cannot be given; the writers put the reason where their format has room.
See docs/sbom-minimums.md for the rules and what each format carries.
"""

from __future__ import annotations

import mimetypes
from collections.abc import Mapping
from dataclasses import dataclass

from services.sbom.facts import Facts

# the archive types a shipped file may be, by its name (Python's own table of types)
_ARCHIVE_TYPES = {
    "application/zip",
    "application/x-tar",
    "application/java-archive",
    "application/x-7z-compressed",
    "application/vnd.rar",
    "application/x-rar-compressed",
}
_ARCHIVE_ENCODINGS = {"gzip", "bzip2", "xz", "br", "compress"}


@dataclass(frozen=True)
class Answer:
    """A minimum element's value, or None and why it is not given."""

    value: str | None
    reason: str = ""


def concluded_license(facts: Facts) -> Answer:
    """The distribution license: the declared expression when it is valid SPDX and the package
    ships at least one license text; otherwise none, with the reason.

    The declared license is the channel's `license`, normalized to SPDX by the gateway
    (`license_spdx`, set only when it parses as an SPDX expression). That the shipped texts are
    the declared license's texts is not checked (no license text matcher is used).
    """
    spdx = facts.file.get("license_spdx")
    if not spdx:
        published = facts.file.get("license")
        return Answer(
            None,
            f"the published license {published!r} is not an SPDX expression"
            if published
            else "the package declares no license",
        )
    if facts.contents is None:
        return Answer(None, f"the package's contents could not be read ({facts.contents_status})")
    if not any((item.get("text") or "").strip() for item in facts.contents.get("licenses") or ()):
        return Answer(None, "the package ships no license text (info/licenses, info/LICENSE.txt)")
    return Answer(spdx, "the declared SPDX expression; the package ships license texts")


def copyright_statements(facts: Facts) -> tuple[list[str], str]:
    """(the copyright statements found in the shipped license texts, verbatim, each once;
    why there are none)."""
    if facts.contents is None:
        return [], f"the package's contents could not be read ({facts.contents_status})"
    licenses = [i for i in facts.contents.get("licenses") or () if (i.get("text") or "").strip()]
    if not licenses:
        return [], "the package ships no license or notice text to find copyright statements in"
    found: list[str] = []
    for item in licenses:
        found.extend(s for s in item.get("copyrights") or () if s not in found)
    if not found:
        return [], "no copyright statement was found in the shipped license texts"
    return found, ""


def archive_sha512(facts: Facts) -> Answer:
    """The package file's SHA-512 when the whole archive was read, else why not."""
    if facts.contents is None:
        return Answer(None, f"the package's contents could not be read ({facts.contents_status})")
    archive = facts.contents.get("archive") or {}
    if archive.get("sha512"):
        return Answer(archive["sha512"])
    return Answer(
        None,
        "SHA-512 not computed: only the archive's info member was read (HTTP range requests); "
        "CONTENTS_MODE=full reads every archive whole",
    )


def is_executable(entry: Mapping) -> bool | None:
    """Whether a shipped file is executable (any x bit of its archive member), None if unread."""
    mode = entry.get("archive_mode")
    if not isinstance(mode, int) or entry.get("archive_type") not in ("file", "link", "symlink"):
        return None
    return bool(mode & 0o111)


def is_archive(path: str) -> bool:
    """Whether a shipped file is an archive or compressed file, by its name (mimetypes)."""
    kind, encoding = mimetypes.guess_type(path, strict=False)
    return kind in _ARCHIVE_TYPES or encoding in _ARCHIVE_ENCODINGS or path.endswith(".a")


def creator_contact(facts: Facts) -> tuple[str | None, str | None]:
    """(email, url) of the SBOM creator: the configured contact, else the public URL."""
    return contact_of(facts.creator_contact, facts.namespace_base)


def contact_of(contact: str | None, public_url: str | None) -> tuple[str | None, str | None]:
    """(email, url) from SBOM_CREATOR_CONTACT (an email or http(s) URL), else PUBLIC_URL."""
    contact = (contact or "").strip()
    if "@" in contact and not contact.startswith(("http://", "https://")):
        return contact.removeprefix("mailto:"), None
    if contact.startswith(("http://", "https://")):
        return None, contact
    base = (public_url or "").strip()
    return None, (base if base.startswith(("http://", "https://")) else None)
