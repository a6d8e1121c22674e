"""The documents of an environment report: CycloneDX 1.6/1.5, SPDX 2.3, SPDX 3.0.1, and
signed DSSE."""

from __future__ import annotations

import json

from attestation import ServiceKey
from attestation import attest
from environments import deadline
from environments.cyclonedx import render_cyclonedx
from environments.errors import LockError
from environments.minimums import DEFAULT_CREATOR
from environments.minimums import Creator
from environments.spdx import render_spdx
from environments.spdx3 import render_spdx3

FORMATS = ("cyclonedx", "spdx", "spdx3")
SUBJECT_NAMES = {
    "pixi.lock": "pixi.lock",
    "conda-lock.yml": "conda-lock.yml",
    "explicit": "explicit.txt",
    "conda-meta": "conda-meta",
}


def render(
    report: dict,
    family: str = "cyclonedx",
    spec_version: str = "1.6",
    creator: Creator = DEFAULT_CREATOR,
) -> str:
    """The SBOM text of a report: `cyclonedx` (spec 1.6 or 1.5), `spdx` (2.3) or `spdx3`
    (3.0.1), naming `creator` as the SBOM's creator."""
    deadline.check()
    if family == "cyclonedx":
        if spec_version not in ("1.6", "1.5"):
            raise LockError("spec_version must be 1.6 or 1.5", code="invalid_parameter")
        return render_cyclonedx(report, spec_version, creator)
    if family == "spdx":
        return render_spdx(report, creator)
    if family == "spdx3":
        return render_spdx3(report, creator)
    raise LockError(f"format must be one of {', '.join(FORMATS)}", code="invalid_parameter")


def subject_name(report: dict) -> str:
    """The in-toto subject's name: the lockfile's usual file name for its format."""
    fmt = report["lockfile"]["format"]
    return next((v for k, v in SUBJECT_NAMES.items() if fmt.startswith(k)), "lockfile")


def signed(key: ServiceKey, report: dict, family: str, text: str) -> dict:
    """The DSSE envelope of an environment SBOM; its subject is the lockfile (name, sha256)."""
    return attest(key, family, subject_name(report), report["lockfile"]["sha256"], json.loads(text))
