"""CycloneDX parts of the minimum elements (pure: facts -> model parts; see minimums.py).

CycloneDX carries: `copyright` on the root component, its SHA-512 among `hashes`, the
concluded license as a license with `acknowledgement: concluded` (a single SPDX id) or, for an
expression, as the property `conda:license:concluded` (a `licenses` list holds one expression
at most, and it holds the declared one), and the SBOM creator as `metadata.manufacturer` and
`metadata.authors` with its email or URL.
"""

from __future__ import annotations

from cyclonedx.model import HashAlgorithm
from cyclonedx.model import HashType
from cyclonedx.model import XsUri
from cyclonedx.model.component import Component
from cyclonedx.model.contact import OrganizationalContact
from cyclonedx.model.contact import OrganizationalEntity
from cyclonedx.model.license import DisjunctiveLicense
from cyclonedx.model.license import LicenseAcknowledgement

from services.sbom import minimums
from services.sbom.facts import Facts


def creator(facts: Facts) -> tuple[OrganizationalEntity, OrganizationalContact]:
    """(manufacturer, author): who makes the SBOM, with its email or URL."""
    email, url = minimums.creator_contact(facts)
    urls = [XsUri(url)] if url else []
    contact = OrganizationalContact(name=facts.creator_name, email=email)
    return (
        OrganizationalEntity(name=facts.creator_name, urls=urls, contacts=[contact]),
        contact,
    )


def add_to_root(root: Component, facts: Facts) -> list[tuple[str, object]]:
    """Set the root's copyright, SHA-512 and concluded license; the properties that say why
    an element is missing (for the caller to add)."""
    pairs: list[tuple[str, object]] = []
    statements, why_not = minimums.copyright_statements(facts)
    if statements:
        root.copyright = "\n".join(statements)
    else:
        pairs.append(("conda:copyright:none", why_not))
    sha512 = minimums.archive_sha512(facts)
    if sha512.value is not None:
        root.hashes.add(HashType(alg=HashAlgorithm.SHA_512, content=sha512.value))
    else:
        pairs.append(("conda:package:sha512-none", sha512.reason))
    concluded = minimums.concluded_license(facts)
    if concluded.value is None:
        pairs.append(("conda:license:concluded-none", concluded.reason))
        return pairs
    declared = next(iter(root.licenses), None)
    if isinstance(declared, DisjunctiveLicense) and declared.id == concluded.value:
        root.licenses.add(
            DisjunctiveLicense(id=concluded.value, acknowledgement=LicenseAcknowledgement.CONCLUDED)
        )
    else:
        pairs.append(("conda:license:concluded", concluded.value))
    return pairs
