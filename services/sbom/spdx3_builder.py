"""The shared frame of an SPDX 3.0.1 JSON-LD document made with `spdx-python-model`: ids under
one namespace, creation info with the creator organization (name, email / URL) and tool,
relationships, license expressions, and the closing `software_Sbom` + `SpdxDocument`.

Used by the package-file writer (services/sbom/spdx3.py) and the environment writer
(environments/spdx3.py).
"""

from __future__ import annotations

import json
from datetime import datetime

from spdx_python_model.bindings import v3_0_1 as spdx3

from services.sbom import identity

SPEC_VERSION = "3.0.1"
CORE = "https://spdx.org/rdf/3.0.1/terms/Core/"
_IDS = spdx3.ExternalIdentifierType
_PROFILE = spdx3.ProfileIdentifierType


def contacts(email: str | None, url: str | None) -> list[spdx3.ExternalIdentifier]:
    """An organization's email and URL as SPDX 3 external identifiers."""
    ids = []
    if email:
        ids.append(spdx3.ExternalIdentifier(externalIdentifierType=_IDS.email, identifier=email))
    if url:
        ids.append(spdx3.ExternalIdentifier(externalIdentifierType=_IDS.urlScheme, identifier=url))
    return ids


class Builder:
    """Adds elements to one object set, with ids under the document's namespace."""

    def __init__(self, base: str, created: datetime, creator: tuple[str, str | None, str | None]):
        self.base = base
        self.objects = spdx3.SHACLObjectSet()
        self.info = spdx3.CreationInfo(
            specVersion=SPEC_VERSION, created=created.replace(microsecond=0), createdBy=[]
        )
        self.creator = self.organization("Creator", *creator)
        self.info.createdBy.append(self.creator.spdxId)
        tool = self.add(
            spdx3.Tool(
                spdxId=self.id("Tool"),
                name=f"{identity.TOOL_NAME}-{identity.TOOL_VERSION}",
                creationInfo=self.info,
            )
        )
        self.info.createdUsing.append(tool.spdxId)
        self.relationships = 0
        self.profiles = [_PROFILE.core, _PROFILE.software, _PROFILE.simpleLicensing]

    def id(self, local: str) -> str:
        """An element's IRI: the document's, then `#SPDXRef-<local>`."""
        return f"{self.base}#SPDXRef-{identity.spdx_id_part(local)}"

    def add(self, element):
        """Add `element` to the document's object set; return it."""
        return self.objects.add(element)

    def organization(
        self, local: str, name: str, email: str | None = None, url: str | None = None
    ) -> spdx3.Organization:
        """An organization element with its email and URL (when known)."""
        return self.add(
            spdx3.Organization(
                spdxId=self.id(local),
                name=name,
                externalIdentifier=contacts(email, url),
                creationInfo=self.info,
            )
        )

    def relate(self, source: str, kind: str, targets: list[str], **extra) -> None:
        """One relationship from `source` to `targets`."""
        self.relationships += 1
        self.add(
            spdx3.Relationship(
                spdxId=self.id(f"Relationship-{self.relationships}"),
                from_=source,
                relationshipType=kind,
                to=targets,
                creationInfo=self.info,
                **extra,
            )
        )

    def license(self, name: str, expression: str) -> str:
        """A license expression element; its id."""
        element = self.add(
            spdx3.simplelicensing_LicenseExpression(
                spdxId=self.id(name),
                simplelicensing_licenseExpression=expression,
                creationInfo=self.info,
            )
        )
        return element.spdxId

    def close(self, root: str, name: str, sbom_type) -> spdx3.SHACLObjectSet:
        """Add the `software_Sbom` (rooted at `root`) and the `SpdxDocument`; the object set."""
        # sorted: the object set iterates in no stable order, and equal inputs give equal bytes
        elements = sorted(e.spdxId for e in self.objects.foreach() if getattr(e, "spdxId", None))
        sbom = self.add(
            spdx3.software_Sbom(
                spdxId=self.id("Sbom"),
                software_sbomType=[sbom_type],
                rootElement=[root],
                element=elements,
                creationInfo=self.info,
            )
        )
        self.add(
            spdx3.SpdxDocument(
                spdxId=self.id("DOCUMENT"),
                name=name,
                rootElement=[sbom.spdxId],
                element=[sbom.spdxId, *elements],
                profileConformance=list(self.profiles),
                creationInfo=self.info,
            )
        )
        return self.objects


def serialize(objects: spdx3.SHACLObjectSet) -> str:
    """The JSON-LD text of an object set, byte-identical for equal objects."""
    data = spdx3.JSONLDSerializer().serialize_data(objects)
    return json.dumps(data, indent=2, ensure_ascii=False, sort_keys=True)
