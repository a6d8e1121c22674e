"""What identifies a generated document: serial number, timestamp, supplier, tool, names."""

from __future__ import annotations

import re
import uuid
from datetime import UTC
from datetime import datetime

from common.timestamps import parse_iso
from services.sbom.facts import Facts

TOOL_NAME = "conda-badges-sbom"
TOOL_VERSION = "0.1.0"
DEFAULT_NAMESPACE_BASE = "https://conda-badges.invalid"
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_SERIAL_NAMESPACE = uuid.UUID("5f0b3f7e-8c1e-5d6a-9f5e-3c0d2b7a9e41")


def serial_uuid(sha256: str, format_version: str) -> uuid.UUID:
    """The document's UUID: uuid5 over the file's sha256 and the format and version."""
    return uuid.uuid5(_SERIAL_NAMESPACE, f"{sha256.lower()}:{format_version}")


def document_time(facts: Facts) -> tuple[datetime, str]:
    """(timestamp, where it came from): the file's upload time, else the package's first."""
    uploaded = parse_iso(facts.file.get("uploaded_at"))
    if uploaded is not None:
        return uploaded, "file-uploaded-at"
    created = parse_iso(facts.package.get("created_at"))
    if created is not None:
        return created, "package-created-at"
    return EPOCH, "unknown"


def channel_label(facts: Facts) -> str:
    """`channel` or `channel/label/sub`."""
    if facts.subchannel:
        return f"{facts.channel}/label/{facts.subchannel}"
    return facts.channel


def supplier_name(facts: Facts) -> str:
    """Who supplies the package: the conda channel it is distributed in."""
    return f"conda channel {channel_label(facts)}"


def namespace_base(facts: Facts) -> str:
    """The base of document URIs: the public URL, else a reserved placeholder domain."""
    return (facts.namespace_base or DEFAULT_NAMESPACE_BASE).rstrip("/")


def document_name(facts: Facts) -> str:
    """`<channel>/<subdir>/<filename>`."""
    return f"{channel_label(facts)}/{facts.file['subdir']}/{facts.file['filename']}"


_SPDX_ID_UNSAFE = re.compile(r"[^A-Za-z0-9.-]+")


def spdx_id_part(text: str) -> str:
    """`text` with what an SPDX id may not contain replaced by `-`."""
    return _SPDX_ID_UNSAFE.sub("-", text).strip("-") or "x"
